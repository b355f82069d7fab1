import Foundation
import NIOCore
import NIOFoundationCompat
import HTTPTypes
import HummingbirdTesting
import SSMServer
import Testing

/// Helpers of the `/v1` route tests.
enum Transit {
    /// The default mount's routes.
    static let mount = "/v1/transit/"

    /// A key name no other test uses.
    static func name(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

    static func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// Sends `json` to `/v1/transit/<path>`; `body` is the answer's `data` when it has one
    /// (checked to be in Vault's envelope), else the whole body (errors; empty for 204).
    @discardableResult
    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ json: [String: any Sendable]? = nil,
        headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: JSONObject) {
        let body = try json.map { ByteBuffer(data: try JSONSerialization.data(withJSONObject: $0)) }
        return try await client.execute(uri: mount + path, method: method, headers: headers, body: body) { response in
            guard response.body.readableBytes > 0 else { return (response.status, response.headers, try JSONObject(ByteBuffer(string: "{}"))) }
            let whole = try JSONObject(response.body)
            guard let data = whole.object("data") else { return (response.status, response.headers, whole) }
            #expect(whole["request_id"] is String && whole["lease_id"] as? String == "" && whole["renewable"] as? Bool == false)
            return (response.status, response.headers, data)
        }
    }

    /// Creates a key (200) and returns its description.
    @discardableResult
    static func create(_ client: any TestClientProtocol, _ name: String, type: String = "aes256-gcm96") async throws -> JSONObject {
        let response = try await send(client, .post, "keys/\(name)", ["type": type])
        #expect(response.status == .ok, "\(response.body.values)")
        return response.body
    }

    /// Allows deletion and deletes a key.
    static func delete(_ client: any TestClientProtocol, _ name: String) async throws {
        try await send(client, .post, "keys/\(name)/config", ["deletion_allowed": true])
        #expect(try await send(client, .delete, "keys/\(name)").status == .noContent)
    }

    /// The versions of a key's `keys` map, sorted.
    static func versions(_ key: JSONObject) -> [Int] {
        (key["keys"] as? [String: Any] ?? [:]).keys.compactMap { Int($0) }.sorted()
    }
}

/// Checks that a response is Vault's error: `status` and `{"errors": [...]}` with a message.
func expectVaultError(
    _ response: (status: HTTPResponse.Status, headers: HTTPFields, body: JSONObject), _ status: HTTPResponse.Status,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
    #expect((response.body["errors"] as? [String])?.first?.isEmpty == false, sourceLocation: sourceLocation)
}

@Suite("Transit keys")
struct TransitKeyRouteTests {
    @Test("create, describe, list, rotate, configure and delete a key")
    func lifecycle() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("life")
            let created = try await Transit.create(client, name)
            #expect(created.string("name") == name)
            #expect(created.string("type") == "aes256-gcm96")
            #expect(created.int("latest_version") == 1)
            #expect(created.int("min_decryption_version") == 1)
            #expect(created.int("min_encryption_version") == 0)
            #expect(created["deletion_allowed"] as? Bool == false)
            #expect(created["exportable"] as? Bool == false)
            #expect(Transit.versions(created) == [1])
            #expect((created.object("keys")?.int("1") ?? 0) > 1_700_000_000)

            // Creating an existing key answers it, as Vault does.
            let again = try await Transit.send(client, .post, "keys/\(name)", ["type": "aes256-gcm96"])
            #expect(again.status == .ok && again.body.int("latest_version") == 1)

            let list = try await Transit.send(client, .get, "keys?list=true")
            #expect(list.status == .ok)
            #expect((list.body["keys"] as? [String])?.contains(name) == true)
            #expect((try await Transit.send(client, HTTPRequest.Method("LIST")!, "keys").body["keys"] as? [String])?.contains(name) == true)

            let rotated = try await Transit.send(client, .post, "keys/\(name)/rotate")
            #expect(rotated.status == .ok)
            #expect(rotated.body.int("latest_version") == 2)
            let described = try await Transit.send(client, .get, "keys/\(name)")
            #expect(described.body.int("latest_version") == 2)
            #expect(Transit.versions(described.body) == [1, 2])

            expectVaultError(try await Transit.send(client, .delete, "keys/\(name)"), .badRequest)

            let configured = try await Transit.send(client, .put, "keys/\(name)/config", ["min_decryption_version": 2])
            #expect(configured.body.int("min_decryption_version") == 2)
            expectVaultError(
                try await Transit.send(client, .put, "keys/\(name)/config", ["min_decryption_version": 3]), .badRequest)

            try await Transit.delete(client, name)
            expectVaultError(try await Transit.send(client, .get, "keys/\(name)"), .notFound)
            let after = try await Transit.send(client, .get, "keys")
            #expect(!(after.body["keys"] as? [String] ?? []).contains(name))
            #expect(after.status == .ok || after.status == .notFound)
        }
    }

    @Test("metadata is kept in the token: a new service over a fresh connection sees the key and its versions")
    func survivesRestart() async throws {
        let name = Transit.name("restart")
        try await withTestApp { client, _ in
            try await Transit.create(client, name)
            try await Transit.send(client, .post, "keys/\(name)/rotate")
            try await Transit.send(client, .put, "keys/\(name)/config", ["min_decryption_version": 2])
        }
        try await withTestApp { client, _ in
            let described = try await Transit.send(client, .get, "keys/\(name)")
            #expect(described.status == .ok)
            #expect(described.body.int("latest_version") == 2)
            #expect(described.body.int("min_decryption_version") == 2)
            try await Transit.delete(client, name)
        }
    }

    @Test("invalid names, types, refused features and unknown keys are Vault errors")
    func errors() async throws {
        try await withTestApp { client, _ in
            expectVaultError(try await Transit.send(client, .post, "keys/bad%20name", ["type": "aes256-gcm"]), .badRequest)
            expectVaultError(
                try await Transit.send(client, .post, "keys/\(String(repeating: "a", count: 65))"), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "keys/\(Transit.name("t"))", ["type": "des"]), .badRequest)
            expectVaultError(try await Transit.send(client, .get, "keys/\(Transit.name("missing"))"), .notFound)
            expectVaultError(try await Transit.send(client, .post, "keys/\(Transit.name("missing"))/rotate"), .notFound)
            let wrongMethod = try await Transit.send(client, .patch, "keys/\(Transit.name("any"))")
            expectVaultError(wrongMethod, .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET, DELETE, POST, PUT")
            expectVaultError(try await Transit.send(client, .post, "keys/\(Transit.name("d"))", ["derived": true]), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "keys/\(Transit.name("e"))", ["exportable": "true"]), .badRequest)
            expectVaultError(try await Transit.send(client, .get, "export/encryption-key/\(Transit.name("x"))"), .badRequest)
            expectVaultError(try await Transit.send(client, .get, "backup/\(Transit.name("x"))"), .badRequest)
            let unknownRoute = try await client.execute(uri: "/v1/other/keys", method: .get) { response in
                (response.status, response.headers, try JSONObject(response.body))
            }
            expectVaultError(unknownRoute, .notFound)
        }
    }

    @Test("asymmetric keys publish a PEM public key per version", arguments: ["ecdsa-p256", "ecdsa-p384", "rsa-2048"])
    func publicKeys(type: String) async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("pem")
            let created = try await Transit.create(client, name, type: type)
            let pem = try #require(created.object("keys")?.object("1")?.string("public_key"))
            #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----"))
            #expect(created["supports_signing"] as? Bool == true)
            #expect(created["supports_encryption"] as? Bool == false)
            try await Transit.delete(client, name)
        }
    }
}
