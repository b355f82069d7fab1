import Foundation
import HTTPTypes
import HummingbirdTesting
import SSMServer
import Testing

/// Every key belongs to one namespace, and no protocol reaches another's: SSM's routes
/// cannot read, use, replace or delete a Transit or internal key, and `/v1` cannot reach an
/// SSM key (docs/design.md, "Namespaces").
@Suite("Key namespaces")
struct NamespaceTests {
    static let aes256 = String(repeating: "11", count: 32)

    /// Every SSM route that takes a label, with a body naming `label` (and what else it needs).
    static func ssmCalls(label: String) -> [(HTTPRequest.Method, String, [String: any Sendable])] {
        [
            (.post, "/generate-aes-key", ["key_label": label]),
            (.post, "/store-key", ["key_label": label, "id": 7, "key_value": aes256, "key_type": "AES"]),
            (.put, "/store-key", ["key_label": label, "id": 1, "key_value": aes256, "key_type": "AES"]),
            (.delete, "/store-key", ["key_label": label, "id": 1]),
            (.post, "/get-key", ["key_label": label, "id": 1]),
            (.post, "/get-data-keys", ["key_label": label]),
            (.post, "/encrypt-pool", ["key_label": label, "plain": "aa", "encryption_algorithm": 1]),
            (.post, "/encrypt", ["key_label": label, "plain": "aa", "encryption_algorithm": 1]),
            (.post, "/encrypt-aes-gcm", ["key_label": label, "plain": "aa"]),
            (
                .post, "/decrypt",
                ["key_label": label, "id": 1, "cipher": "00112233445566778899aabbccddeeff", "iv": "00112233445566778899aabbccddeeff",
                 "encryption_algorithm": 1]
            ),
            (
                .post, "/decrypt-aes-gcm",
                ["key_label": label, "id": 1, "cipher": "aa", "iv": "001122334455667788990011", "tag": "00112233445566778899aabbccddeeff"]
            ),
        ]
    }

    @Test("SSM's routes refuse the labels of Transit keys, and the Transit key is intact afterwards")
    func ssmRoutesCannotReachTransitKeys() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("ns")
            try await Transit.create(client, name)
            let sealed = try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": Transit.b64("secret")])
            let ciphertext = try #require(sealed.body.string("ciphertext"))
            // The version's own object label, and the metadata object's.
            for label in ["ssm-v1/\(name)/1", "ssm-v1/\(name)", "ssm-v1/\(name)/2"] {
                for (method, path, body) in Self.ssmCalls(label: label) {
                    for prefix in ["", "/crypto"] {
                        let response = try await client.send(method, prefix + path, body)
                        expectProblem(response, .badRequest, "INVALID_REQUEST")
                        #expect(response.body.string("detail")?.contains("reserved") == true, "\(method) \(path)")
                    }
                }
            }
            let all = try await client.send(.post, "/get-all-keys")
            let labels = (all.body["keys_by_label"] as? [String: Any])?.keys.map { $0 } ?? []
            #expect(!labels.contains { $0.hasPrefix("ssm-v1/") || $0.hasPrefix("ssm-internal/") })
            // Still one version, still decrypting.
            #expect(try await Transit.send(client, .get, "keys/\(name)").body.int("latest_version") == 1)
            let opened = try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": ciphertext])
            #expect(opened.body.string("plaintext") == Transit.b64("secret"))
        }
    }

    @Test("internal keys' labels are refused by SSM's routes")
    func ssmRoutesCannotReachInternalKeys() async throws {
        try await withTestApp { client, _ in
            for (method, path, body) in Self.ssmCalls(label: "ssm-internal/ssm-jwt-signing") {
                expectProblem(try await client.send(method, path, body), .badRequest, "INVALID_REQUEST")
            }
        }
    }

    @Test("Transit routes do not reach an SSM key of the same name")
    func transitRoutesCannotReachSSMKeys() async throws {
        try await withTestApp { client, _ in
            let label = Transit.name("legacy")
            let stored = try await client.send(.post, "/store-key", ["key_label": label, "id": 1, "key_value": Self.aes256, "key_type": "AES"])
            #expect(stored.status == .created)
            expectVaultError(try await Transit.send(client, .get, "keys/\(label)"), .notFound)
            expectVaultError(try await Transit.send(client, .post, "decrypt/\(label)", ["ciphertext": "vault:v1:AAAA"]), .notFound)
            expectVaultError(try await Transit.send(client, .post, "keys/\(label)/rotate"), .notFound)
            expectVaultError(try await Transit.send(client, .put, "keys/\(label)/config", ["deletion_allowed": true]), .notFound)
            expectVaultError(try await Transit.send(client, .delete, "keys/\(label)"), .notFound)
            #expect(!((try await Transit.send(client, .get, "keys").body["keys"] as? [String]) ?? []).contains(label))
            // The SSM key is untouched.
            let key = try await client.send(.post, "/get-key", ["key_label": label, "id": 1])
            #expect(key.status == .ok)
        }
    }

    @Test("labels with control characters are refused (they would forge log lines)")
    func controlCharacters() async throws {
        try await withTestApp { client, _ in
            for label in ["two\nlines", "tab\there", "nul\u{0}", "del\u{7f}", "c1\u{85}"] {
                let response = try await client.send(.post, "/generate-aes-key", ["key_label": label])
                expectProblem(response, .badRequest, "INVALID_REQUEST")
            }
        }
    }
}
