import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import SSMServer
import Testing

@Suite("Transit encryption")
struct TransitCryptoRouteTests {
    @Test("encrypt and decrypt with associated data; wrong associated data does not decrypt")
    func roundTrip() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("enc")
            try await Transit.create(client, name)
            let plaintext = Transit.b64("the quick brown fox")
            let encrypted = try await Transit.send(client, 
                .post, "encrypt/\(name)", ["plaintext": plaintext, "associated_data": Transit.b64("ctx")])
            #expect(encrypted.status == .ok)
            let ciphertext = try #require(encrypted.body.string("ciphertext"))
            #expect(ciphertext.hasPrefix("vault:v1:"))
            #expect(encrypted.body.int("key_version") == 1)

            let decrypted = try await Transit.send(client, 
                .post, "decrypt/\(name)", ["ciphertext": ciphertext, "associated_data": Transit.b64("ctx")])
            #expect(decrypted.status == .ok)
            #expect(decrypted.body.string("plaintext") == plaintext)

            expectVaultError(
                try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": ciphertext, "associated_data": Transit.b64("other")]),
                .badRequest)
            expectVaultError(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": ciphertext]), .badRequest)

            let empty = try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": ""])
            let emptyBack = try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": empty.body.string("ciphertext") ?? ""])
            #expect(emptyBack.body.string("plaintext") == "")
            try await Transit.delete(client, name)
        }
    }

    @Test("rotation walk-through: v1 and v2 decrypt, rewrap moves v1 to v2, minDecryptionVersion=2 refuses v1")
    func rotation() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("rot")
            try await Transit.create(client, name, type: "aes128-gcm")
            let one = Transit.b64("version one"), two = Transit.b64("version two")
            let v1 = try #require(try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": one]).body.string("ciphertext"))
            #expect(v1.hasPrefix("vault:v1:"))
            #expect(try await Transit.send(client, .post, "keys/\(name)/rotate").body.int("latest_version") == 2)
            let v2 = try #require(try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": two]).body.string("ciphertext"))
            #expect(v2.hasPrefix("vault:v2:"))

            #expect(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": v1]).body.string("plaintext") == one)
            #expect(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": v2]).body.string("plaintext") == two)

            let rewrapped = try await Transit.send(client, .post, "rewrap/\(name)", ["ciphertext": v1])
            #expect(rewrapped.status == .ok)
            #expect(rewrapped.body.string("plaintext") == nil)
            let v1to2 = try #require(rewrapped.body.string("ciphertext"))
            #expect(v1to2.hasPrefix("vault:v2:"))
            #expect(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": v1to2]).body.string("plaintext") == one)

            let configured = try await Transit.send(client, .put, "keys/\(name)/config", ["min_decryption_version": 2])
            #expect(configured.status == .ok)
            expectVaultError(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": v1]), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "rewrap/\(name)", ["ciphertext": v1]), .badRequest)
            #expect(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": v1to2]).body.string("plaintext") == one)

            let unknown = "vault:v9:" + String(v2.dropFirst("vault:v2:".count))
            expectVaultError(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": unknown]), .notFound)
            try await Transit.delete(client, name)
        }
    }

    @Test("malformed ciphertexts, bad base64, oversized plaintexts and wrong key types are 4xx problems")
    func errors() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("err")
            try await Transit.create(client, name)
            for bad in ["", "vault:v1", "vault:v1:AAAA", "vault:vx:AAAA", "vault:v0:AAAA", "vault:v1:!!!", "vault:v1:AAAA"] {
                expectVaultError(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": bad]), .badRequest)
            }
            expectVaultError(try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": "***"]), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "encrypt/\(name)", ["other": 1]), .badRequest)
            let large = Data(count: 64 * 1024 + 1).base64EncodedString()
            expectVaultError(try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": large]), .contentTooLarge)
            expectVaultError(try await Transit.send(client, .post, "decrypt/\(Transit.name("none"))", ["ciphertext": "vault:v1:AAAA"]), .notFound)
            expectVaultError(
                try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": "", "key_version": 5]), .notFound)

            expectVaultError(try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": "", "nonce": Transit.b64("123456789012")]), .badRequest)

            let signer = Transit.name("signer")
            try await Transit.create(client, signer, type: "ecdsa-p256")
            expectVaultError(try await Transit.send(client, .post, "encrypt/\(signer)", ["plaintext": ""]), .badRequest)
            try await Transit.delete(client, signer)
            try await Transit.delete(client, name)
        }
    }

    @Test("a data key's wrapped form decrypts back through /v1/decrypt to its plaintext")
    func dataKeys() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("dk")
            try await Transit.create(client, name)
            let plain = try await Transit.send(client, .post, "datakey/plaintext/\(name)", ["bits": 128])
            #expect(plain.status == .ok)
            let key = try #require(plain.body.string("plaintext"))
            #expect(Data(base64Encoded: key)?.count == 16)
            let wrapped = try #require(plain.body.string("ciphertext"))
            let unwrapped = try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": wrapped])
            #expect(unwrapped.body.string("plaintext") == key)

            let onlyWrapped = try await Transit.send(client, .post, "datakey/wrapped/\(name)")
            #expect(onlyWrapped.status == .ok)
            #expect(onlyWrapped.body.string("plaintext") == nil)
            let back = try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": onlyWrapped.body.string("ciphertext") ?? ""])
            #expect(Data(base64Encoded: back.body.string("plaintext") ?? "")?.count == 32)

            expectVaultError(try await Transit.send(client, .post, "datakey/plaintext/\(name)", ["bits": 100]), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "datakey/other/\(name)"), .badRequest)
            try await Transit.delete(client, name)
        }
    }

    @Test("random bytes come from the HSM in the requested number and format; hash")
    func random() async throws {
        try await withTestApp { client, _ in
            let first = try await Transit.send(client, .post, "random/32")
            let second = try await Transit.send(client, .post, "random", ["bytes": 32])
            let a = try #require(Data(base64Encoded: first.body.string("random_bytes") ?? ""))
            let b = try #require(Data(base64Encoded: second.body.string("random_bytes") ?? ""))
            #expect(a.count == 32 && b.count == 32 && a != b)
            #expect(try await Transit.send(client, .post, "random/platform/8", ["format": "hex"]).body.string("random_bytes")?.count == 16)
            expectVaultError(try await Transit.send(client, .post, "random/0"), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "random/4097"), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "random/abc"), .badRequest)

            let sum = try await Transit.send(client, .post, "hash/sha2-512", ["input": Transit.b64("abc"), "format": "base64"])
            #expect(sum.body.string("sum") == Data(SHA512.hash(data: Data("abc".utf8))).base64EncodedString())
            let hex = try await Transit.send(client, .post, "hash", ["input": Transit.b64("abc")])
            #expect(hex.body.string("sum") == SHA256.hash(data: Data("abc".utf8)).map { String(format: "%02x", $0) }.joined())
            expectVaultError(try await Transit.send(client, .post, "hash/sha3-256", ["input": Transit.b64("abc")]), .badRequest)
        }
    }

    @Test("batches answer in order with per-item errors and references; the status follows Vault; the batch size is limited")
    func batches() async throws {
        try await withTestApp(v1MaxBatch: 4) { client, _ in
            let name = Transit.name("batch")
            try await Transit.create(client, name)
            let inputs = ["a", "b", "c"].map(Transit.b64)
            let encrypted = try await Transit.send(
                client, .post, "encrypt/\(name)",
                ["batch_input": [["plaintext": inputs[0], "reference": "r0"], ["plaintext": "%%"], ["plaintext": inputs[2], "associated_data": Transit.b64("x")]]])
            #expect(encrypted.status == .badRequest)
            let results = try #require(encrypted.body["batch_results"] as? [[String: Any]])
            #expect(results.count == 3)
            #expect(results[0]["reference"] as? String == "r0")
            #expect((results[1]["error"] as? String)?.contains("base64") == true)
            let first = try #require(results[0]["ciphertext"] as? String)
            let third = try #require(results[2]["ciphertext"] as? String)

            let decrypted = try await Transit.send(
                client, .post, "decrypt/\(name)",
                ["batch_input": [["ciphertext": first], ["ciphertext": "vault:v1:AAAA"], ["ciphertext": third, "associated_data": Transit.b64("x")], ["ciphertext": third]],
                 "partial_failure_response_code": 207])
            #expect(decrypted.status.code == 207)
            let plain = try #require(decrypted.body["batch_results"] as? [[String: Any]])
            #expect(plain.count == 4)
            #expect(plain[0]["plaintext"] as? String == inputs[0])
            #expect(plain[1]["error"] != nil)
            #expect(plain[2]["plaintext"] as? String == inputs[2])
            #expect(plain[3]["error"] != nil)

            try await Transit.send(client, .post, "keys/\(name)/rotate")
            let rewrapped = try await Transit.send(client, .post, "rewrap/\(name)", ["batch_input": [["ciphertext": first]]])
            #expect(rewrapped.status == .ok)
            let wrapped = try #require(rewrapped.body["batch_results"] as? [[String: Any]])
            #expect((wrapped.first?["ciphertext"] as? String)?.hasPrefix("vault:v2:") == true)

            let five = Array(repeating: ["plaintext": inputs[0]], count: 5)
            expectVaultError(try await Transit.send(client, .post, "encrypt/\(name)", ["batch_input": five]), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "encrypt/\(name)", ["batch_input": [[String: String]]()]), .badRequest)
            // As in Vault, batch_input wins over the top-level item.
            let both = try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": "%%", "batch_input": [["plaintext": inputs[0]]]])
            #expect(both.status == .ok)
            try await Transit.delete(client, name)
        }
    }

    @Test("Vault's upsert: encrypt creates a missing key for a client that may generate it")
    func upsert() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("upsert")
            let sealed = try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": Transit.b64("x"), "type": "aes128-gcm96"])
            #expect(sealed.status == .ok)
            #expect(sealed.body.string("ciphertext")?.hasPrefix("vault:v1:") == true)
            #expect(try await Transit.send(client, .get, "keys/\(name)").body.string("type") == "aes128-gcm96")
            try await Transit.delete(client, name)
        }
    }

    @Test("ciphertexts of earlier ssm versions (ssm:v<N>:) still decrypt")
    func legacyCiphertexts() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("legacy")
            try await Transit.create(client, name)
            let sealed = try #require(try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": Transit.b64("old")]).body.string("ciphertext"))
            let legacy = "ssm:" + sealed.dropFirst("vault:".count)
            #expect(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": legacy]).body.string("plaintext") == Transit.b64("old"))
            try await Transit.delete(client, name)
        }
    }

    @Test("min_encryption_version, trim and auto_rotate_period follow Vault's rules")
    func versionsConfiguration() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("trim")
            try await Transit.create(client, name)
            for _ in 0..<3 { try await Transit.send(client, .post, "keys/\(name)/rotate") }
            let v1 = try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": Transit.b64("x"), "key_version": 1])
            #expect(v1.body.string("ciphertext")?.hasPrefix("vault:v1:") == true)
            expectVaultError(try await Transit.send(client, .post, "keys/\(name)/trim", ["min_available_version": 2]), .badRequest)
            let configured = try await Transit.send(
                client, .post, "keys/\(name)/config", ["min_encryption_version": 3, "min_decryption_version": 2, "auto_rotate_period": "2h"])
            #expect(configured.body.int("min_encryption_version") == 3)
            #expect(configured.body.int("auto_rotate_period") == 7200)
            expectVaultError(try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": "", "key_version": 2]), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "keys/\(name)/config", ["auto_rotate_period": "10m"]), .badRequest)
            expectVaultError(try await Transit.send(client, .post, "keys/\(name)/trim", ["min_available_version": 3]), .badRequest)
            let trimmed = try await Transit.send(client, .post, "keys/\(name)/trim", ["min_available_version": 2])
            #expect(trimmed.status == .ok)
            #expect(Transit.versions(trimmed.body) == [2, 3, 4])
            #expect(trimmed.body.int("min_available_version") == 2)
            expectVaultError(try await Transit.send(client, .post, "decrypt/\(name)", ["ciphertext": v1.body.string("ciphertext") ?? ""]), .notFound)
            try await Transit.delete(client, name)
        }
    }
}
