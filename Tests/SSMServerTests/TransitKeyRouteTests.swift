import Foundation
import HTTPTypes
import HummingbirdTesting
import SSMServer
import Testing

/// Helpers of the `/v1` route tests.
enum Transit {
    /// A key name no other test uses.
    static func name(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

    static func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// Creates a key (201) and returns its description.
    @discardableResult
    static func create(_ client: any TestClientProtocol, _ name: String, type: String = "aes256-gcm") async throws -> JSONObject {
        let response = try await client.send(.post, "/v1/keys/\(name)", ["type": type])
        #expect(response.status == .created, "\(response.body.values)")
        return response.body
    }

    /// Allows deletion and deletes a key.
    static func delete(_ client: any TestClientProtocol, _ name: String) async throws {
        try await client.send(.put, "/v1/keys/\(name)/config", ["deletion_allowed": true])
        let response = try await client.execute(uri: "/v1/keys/\(name)", method: .delete) { $0.status }
        #expect(response == .noContent)
    }
}

@Suite("/v1 keys")
struct TransitKeyRouteTests {
    @Test("create, describe, list, rotate, configure and delete a key")
    func lifecycle() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("life")
            let created = try await Transit.create(client, name)
            #expect(created.string("name") == name)
            #expect(created.string("type") == "aes256-gcm")
            #expect(created.int("latest_version") == 1)
            #expect(created.int("min_decryption_version") == 1)
            #expect(created["deletion_allowed"] as? Bool == false)
            #expect((created["versions"] as? [[String: Any]])?.count == 1)

            expectProblem(try await client.send(.post, "/v1/keys/\(name)", ["type": "aes256-gcm"]), .conflict, "KEY_EXISTS")

            let list = try await client.send(.get, "/v1/keys")
            #expect(list.status == .ok)
            #expect((list.body["keys"] as? [String])?.contains(name) == true)

            let rotated = try await client.send(.post, "/v1/keys/\(name)/rotate")
            #expect(rotated.status == .ok)
            #expect(rotated.body.int("latest_version") == 2)
            let described = try await client.send(.get, "/v1/keys/\(name)")
            #expect(described.body.int("latest_version") == 2)
            #expect((described.body["versions"] as? [[String: Any]])?.map { $0["version"] as? Int } == [1, 2])

            expectProblem(
                try await client.execute(uri: "/v1/keys/\(name)", method: .delete) { response in
                    (response.status, response.headers, try JSONObject(response.body))
                }, .conflict, "DELETION_NOT_ALLOWED")

            let configured = try await client.send(.put, "/v1/keys/\(name)/config", ["min_decryption_version": 2])
            #expect(configured.body.int("min_decryption_version") == 2)
            expectProblem(
                try await client.send(.put, "/v1/keys/\(name)/config", ["min_decryption_version": 3]), .badRequest,
                "INVALID_REQUEST")

            try await Transit.delete(client, name)
            expectProblem(try await client.send(.get, "/v1/keys/\(name)"), .notFound, "KEY_NOT_FOUND")
            let after = try await client.send(.get, "/v1/keys")
            #expect(!(after.body["keys"] as? [String] ?? []).contains(name))
        }
    }

    @Test("metadata is kept in the token: a new service over a fresh connection sees the key and its versions")
    func survivesRestart() async throws {
        let name = Transit.name("restart")
        try await withTestApp { client, _ in
            try await Transit.create(client, name)
            try await client.send(.post, "/v1/keys/\(name)/rotate")
            try await client.send(.put, "/v1/keys/\(name)/config", ["min_decryption_version": 2])
        }
        try await withTestApp { client, _ in
            let described = try await client.send(.get, "/v1/keys/\(name)")
            #expect(described.status == .ok)
            #expect(described.body.int("latest_version") == 2)
            #expect(described.body.int("min_decryption_version") == 2)
            try await Transit.delete(client, name)
        }
    }

    @Test("invalid names, types and unknown keys are problems")
    func errors() async throws {
        try await withTestApp { client, _ in
            expectProblem(try await client.send(.post, "/v1/keys/bad%20name", ["type": "aes256-gcm"]), .badRequest, "INVALID_KEY_NAME")
            expectProblem(
                try await client.send(.post, "/v1/keys/\(String(repeating: "a", count: 65))"), .badRequest, "INVALID_KEY_NAME")
            expectProblem(try await client.send(.post, "/v1/keys/\(Transit.name("t"))", ["type": "des"]), .badRequest, "INVALID_REQUEST")
            expectProblem(try await client.send(.get, "/v1/keys/\(Transit.name("missing"))"), .notFound, "KEY_NOT_FOUND")
            expectProblem(try await client.send(.post, "/v1/keys/\(Transit.name("missing"))/rotate"), .notFound, "KEY_NOT_FOUND")
            let wrongMethod = try await client.send(.patch, "/v1/keys/\(Transit.name("any"))")
            expectProblem(wrongMethod, .methodNotAllowed, "METHOD_NOT_ALLOWED")
            #expect(wrongMethod.headers[.allow] == "POST, GET, DELETE")
        }
    }

    @Test("asymmetric keys publish a PEM public key per version", arguments: ["ecdsa-p256", "rsa-2048"])
    func publicKeys(type: String) async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("pem")
            let created = try await Transit.create(client, name, type: type)
            let versions = try #require(created["versions"] as? [[String: Any]])
            let pem = try #require(versions.first?["public_key"] as? String)
            #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----"))
            #expect(created["supports_signing"] as? Bool == true)
            #expect(created["supports_encryption"] as? Bool == false)
            try await Transit.delete(client, name)
        }
    }
}
