import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SSMCore
import Testing

@testable import SSMServer

/// SSM's own client against ssm: every SSM route, at the root and under `/crypto`, with the
/// request bodies SSM's OpenAPI document describes and its generated Go client sends, each
/// answer checked against the fields and types that document requires.
@Suite("SSM compatibility: SSM's OpenAPI contract, route by route")
struct SSMCompatibilityTests {
    /// A JSON type, as the OpenAPI document names it.
    enum JSONType: Equatable, Sendable {
        case string, integer, boolean, object, array
    }

    /// A response schema: the documented properties' types and the required ones.
    struct Schema: Sendable {
        var properties: [String: JSONType]
        var required: Set<String>
        /// The schemas of properties that hold objects.
        var nested: [String: Nested] = [:]
    }

    /// How a property holds objects of a schema.
    indirect enum Nested: Sendable {
        case object(Schema)
        case array(of: Schema)
        /// `additionalProperties` of arrays: name → [object].
        case map(ofArraysOf: Schema)
    }

    // The schemas below are transcribed from SSM's OpenAPI document, `models/api/openapi.yaml`
    // in github.com/networkgcorefullcode/ssm (v1.6.1 line, `components/schemas`), and, for
    // the AES-GCM and login operations that this document does not describe, from the Go
    // client generated from it: `models/model_encrypt_aesgcm_response.go`,
    // `models/model_decrypt_aesgcm_request.go` (`Aad string json:"aad"`, `Id int32
    // json:"id,omitempty"`), `models/model_decrypt_aesgcm_response.go` and
    // `models/model_login_response.go`. Properties the document lists without `required` are
    // checked for their type when present; the generated client decodes every field it
    // names, so the ones ssm must send are listed as required here too.

    /// `DataKeyInfo` / `GetKeyResponse_key_info`: required handle, id, size_bits.
    static let dataKeyInfo = Schema(
        properties: ["handle": .integer, "id": .integer, "size_bits": .integer], required: ["handle", "id", "size_bits"])
    /// `HealthCheckResponse`: required message, status.
    static let healthCheck = Schema(properties: ["status": .string, "message": .string], required: ["status", "message"])
    /// `GenAESKeyResponse` (handle, id, bits), `GenDESKeyResponse`/`GenDES3KeyResponse` (handle, id).
    static let generatedAES = Schema(properties: ["handle": .integer, "id": .integer, "bits": .integer], required: ["handle", "id", "bits"])
    static let generatedDES = Schema(properties: ["handle": .integer, "id": .integer], required: ["handle", "id"])
    /// `EncryptResponse`: cipher, iv, id, ok, time_created, time_updated.
    static let encrypted = Schema(
        properties: [
            "cipher": .string, "iv": .string, "id": .integer, "ok": .boolean, "time_created": .string, "time_updated": .string,
        ],
        required: ["cipher", "iv", "id", "ok", "time_created", "time_updated"])
    /// `DecryptResponse`: plain.
    static let decrypted = Schema(properties: ["plain": .string], required: ["plain"])
    /// `EncryptAESGCMResponse` (generated client): cipher, iv, tag, id, ok, time_created, time_updated.
    static let encryptedGCM = Schema(
        properties: [
            "cipher": .string, "iv": .string, "tag": .string, "id": .integer, "ok": .boolean, "time_created": .string,
            "time_updated": .string,
        ],
        required: ["cipher", "iv", "tag", "id", "ok", "time_created", "time_updated"])
    /// `DecryptAESGCMResponse` (generated client): plain, id, ok, time_created, time_updated.
    static let decryptedGCM = Schema(
        properties: ["plain": .string, "id": .integer, "ok": .boolean, "time_created": .string, "time_updated": .string],
        required: ["plain", "id", "ok", "time_created", "time_updated"])
    /// `StoreKeyResponse`: handle (integer), cipher_key (string, optional).
    static let stored = Schema(properties: ["handle": .integer, "cipher_key": .string], required: ["handle"])
    /// `UpdateKeyResponse`: required message, handle, key_label.
    static let updated = Schema(
        properties: ["message": .string, "handle": .integer, "key_label": .string, "cipher_key": .string],
        required: ["message", "handle", "key_label"])
    /// `DeleteKeyResponse`: required message, key_label.
    static let deleted = Schema(properties: ["message": .string, "key_label": .string], required: ["message", "key_label"])
    /// `GetDataKeysResponse`: required keys, an array of `DataKeyInfo`.
    static let dataKeys = Schema(properties: ["keys": .array], required: ["keys"], nested: ["keys": .array(of: dataKeyInfo)])
    /// `GetKeyResponse`: required key_info, a `DataKeyInfo`.
    static let getKey = Schema(properties: ["key_info": .object], required: ["key_info"], nested: ["key_info": .object(dataKeyInfo)])
    /// `GetAllKeysResponse`: required keys_by_label (label → array of `DataKeyInfo`), total_keys, total_labels.
    static let allKeys = Schema(
        properties: ["keys_by_label": .object, "total_keys": .integer, "total_labels": .integer],
        required: ["keys_by_label", "total_keys", "total_labels"], nested: ["keys_by_label": .map(ofArraysOf: dataKeyInfo)])
    /// `LoginResponse` (generated client): token, message.
    static let login = Schema(properties: ["token": .string, "message": .string], required: ["token", "message"])
    /// `ProblemDetails`: title, detail, status, error, instance.
    static let problem = Schema(
        properties: ["title": .string, "detail": .string, "status": .integer, "error": .string, "instance": .string],
        required: ["title", "detail", "status", "error", "instance"])

    static let keyValue = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    static let plain = "48656c6c6f20576f726c6421"

    @Test("every SSM route, at the root and under /crypto, answers SSM's client as its document requires", arguments: ["", "/crypto"])
    func everyRoute(prefix: String) async throws {
        try await withTestApp { client, _ in
            let call = Caller(client: client, prefix: prefix)
            try await call.expect(.get, "/health-check", nil, .ok, Self.healthCheck)

            // Generation as SSM's document has it: `id` and (AES) `bits`, no label (the key gets
            // SSM's default label). An explicit id: other tests use these labels too.
            for (path, label, schema) in [
                ("/generate-aes-key", "KEY_ENCRYPTION_AES256", Self.generatedAES),
                ("/generate-des-key", "KEY_ENCRYPTION_DES", Self.generatedDES),
                ("/generate-des3-key", "KEY_ENCRYPTION_DES3", Self.generatedDES),
            ] {
                let id = Int.random(in: 1_000_000...2_000_000_000)
                let body: [String: any Sendable] = path == "/generate-aes-key" ? ["id": id, "bits": 256] : ["id": id]
                let generated = try await call.expect(.post, path, body, .created, schema)
                #expect(generated["id"] as? Int == id)
                try await call.expect(.delete, "/store-key", ["key_label": label, "id": id], .ok, Self.deleted)
            }

            // Import (an explicit id, then an omitted zero id: the label's next id), use, list,
            // replace, delete.
            let label = uniqueLabel("ssm-compat")
            try await call.expect(
                .post, "/store-key", ["key_label": label, "id": 1, "key_value": Self.keyValue, "key_type": "AES"], .created, Self.stored)
            let next = try await call.expect(
                .post, "/store-key", ["key_label": label, "key_value": Self.keyValue, "key_type": "AES"], .created, Self.stored)
            #expect(next["id"] as? Int == 2)

            let sealed = try await call.expect(
                .post, "/encrypt", ["key_label": label, "plain": Self.plain, "encryption_algorithm": 1], .ok, Self.encrypted)
            let opened = try await call.expect(
                .post, "/decrypt",
                [
                    "key_label": label, "cipher": sealed["cipher"] as? String ?? "", "iv": sealed["iv"] as? String ?? "",
                    "encryption_algorithm": 1, "id": sealed["id"] as? Int ?? 0,
                ], .ok, Self.decrypted)
            #expect(opened["plain"] as? String == Self.plain)

            // The generated client sends `aad` even when empty.
            let sealedGCM = try await call.expect(
                .post, "/encrypt-aes-gcm", ["key_label": label, "plain": Self.plain, "aad": ""], .ok, Self.encryptedGCM)
            let openedGCM = try await call.expect(
                .post, "/decrypt-aes-gcm",
                [
                    "key_label": label, "cipher": sealedGCM["cipher"] as? String ?? "", "iv": sealedGCM["iv"] as? String ?? "",
                    "tag": sealedGCM["tag"] as? String ?? "", "aad": "", "id": sealedGCM["id"] as? Int ?? 0,
                ], .ok, Self.decryptedGCM)
            #expect(openedGCM["plain"] as? String == Self.plain)

            let listed = try await call.expect(.post, "/get-data-keys", ["key_label": label], .ok, Self.dataKeys)
            #expect((listed["keys"] as? [Any])?.count == 2)
            try await call.expect(.post, "/get-key", ["key_label": label, "id": 1], .ok, Self.getKey)
            // SSM's client sends no body at all.
            let all = try await call.expect(.post, "/get-all-keys", nil, .ok, Self.allKeys)
            #expect((all["keys_by_label"] as? [String: Any])?[label] != nil)

            try await call.expect(
                .put, "/store-key", ["key_label": label, "id": 1, "key_value": Self.keyValue, "key_type": "AES"], .ok, Self.updated)
            try await call.expect(.delete, "/store-key", ["key_label": label, "id": 1], .ok, Self.deleted)
            try await call.expect(.delete, "/store-key", ["key_label": label, "id": 2], .ok, Self.deleted)

            // Errors are SSM's problem details.
            try await call.expect(
                .post, "/decrypt",
                [
                    "key_label": label, "cipher": String(repeating: "00", count: 16), "iv": String(repeating: "00", count: 16),
                    "encryption_algorithm": 1, "id": 1,
                ], .notFound, Self.problem)
        }
    }

    @Test("POST /login (served at the root only, as SSM v1.6.1 serves it) answers SSM's LoginResponse")
    func login() async throws {
        let security = LoginTests.security(label: uniqueLabel("jwt"))
        try await withTestApp { _, hsm in
            let jwt = try await LoginTests.service(hsm, security.login)
            try await withTestApp(security: security, jwt: jwt) { client, _ in
                let call = Caller(client: client, prefix: "")
                try await call.expect(.post, "/login", ["service_id": "udm", "password": LoginTests.password], .ok, Self.login)
                try await call.expect(.post, "/login", ["service_id": "udm", "password": "wrong"], .unauthorized, Self.problem)
            }
        }
    }

    /// Sends SSM's requests under one prefix and checks the answers.
    struct Caller {
        let client: any TestClientProtocol
        let prefix: String

        /// Sends `json` (no body at all when nil) to `prefix + path`; expects `status` and a
        /// body that `schema` accepts; returns the body.
        @discardableResult
        func expect(
            _ method: HTTPRequest.Method, _ path: String, _ json: [String: any Sendable]?, _ status: HTTPResponse.Status,
            _ schema: Schema, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> [String: Any] {
            let route = "\(method) \(prefix)\(path)"
            let body = try json.map { ByteBuffer(data: try JSONSerialization.data(withJSONObject: $0)) }
            let (answer, raw) = try await client.execute(uri: prefix + path, method: method, body: body) { response in
                (response, response.body)
            }
            #expect(answer.status == status, "\(route): \(String(buffer: raw))", sourceLocation: sourceLocation)
            let contentType = answer.headers[.contentType] ?? ""
            #expect(contentType.hasPrefix("application/") && contentType.hasSuffix("json"), "\(route)", sourceLocation: sourceLocation)
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: raw))
            SSMCompatibilityTests.check(value, against: schema, at: route, sourceLocation: sourceLocation)
            return try #require(JSONSerialization.jsonObject(with: Data(buffer: raw)) as? [String: Any])
        }
    }

    /// Records an issue for every required property that is missing and every documented
    /// property of the wrong type, in `value` and in the objects nested in it.
    static func check(_ value: JSONValue, against schema: Schema, at path: String, sourceLocation: SourceLocation) {
        guard case .object(let members) = value else {
            Issue.record("\(path): not an object", sourceLocation: sourceLocation)
            return
        }
        for name in schema.required where members[name] == nil {
            Issue.record("\(path): '\(name)' is missing", sourceLocation: sourceLocation)
        }
        for (name, type) in schema.properties {
            guard let member = members[name] else { continue }
            guard member.type == type else {
                Issue.record("\(path): '\(name)' is \(member.type.map { "\($0)" } ?? "null"), not \(type)", sourceLocation: sourceLocation)
                continue
            }
            switch (schema.nested[name], member) {
            case (.object(let nested)?, _):
                check(member, against: nested, at: "\(path).\(name)", sourceLocation: sourceLocation)
            case (.array(let nested)?, .array(let items)):
                for (index, item) in items.enumerated() {
                    check(item, against: nested, at: "\(path).\(name)[\(index)]", sourceLocation: sourceLocation)
                }
            case (.map(let nested)?, .object(let map)):
                for (key, items) in map {
                    guard case .array(let items) = items else {
                        Issue.record("\(path).\(name).\(key): not an array", sourceLocation: sourceLocation)
                        continue
                    }
                    for (index, item) in items.enumerated() {
                        check(item, against: nested, at: "\(path).\(name).\(key)[\(index)]", sourceLocation: sourceLocation)
                    }
                }
            default:
                break
            }
        }
    }

    /// A JSON value with the distinctions the document's types make (an integer is a number
    /// without a fraction; a boolean is not a number).
    enum JSONValue: Decodable {
        case string(String), integer(Int), number(Double), boolean(Bool), object([String: JSONValue]), array([JSONValue]), null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .boolean(value)
            } else if let value = try? container.decode(Int.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([String: JSONValue].self) {
                self = .object(value)
            } else {
                self = .array(try container.decode([JSONValue].self))
            }
        }

        var type: JSONType? {
            switch self {
            case .string: .string
            case .integer: .integer
            case .number: nil
            case .boolean: .boolean
            case .object: .object
            case .array: .array
            case .null: nil
            }
        }
    }
}
