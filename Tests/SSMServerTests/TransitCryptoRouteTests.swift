import Foundation
import HTTPTypes
import HummingbirdTesting
import SSMServer
import Testing

@Suite("/v1 encryption")
struct TransitCryptoRouteTests {
    @Test("encrypt and decrypt with associated data; wrong associated data does not decrypt")
    func roundTrip() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("enc")
            try await Transit.create(client, name)
            let plaintext = Transit.b64("the quick brown fox")
            let encrypted = try await client.send(
                .post, "/v1/encrypt/\(name)", ["plaintext": plaintext, "associated_data": Transit.b64("ctx")])
            #expect(encrypted.status == .ok)
            let ciphertext = try #require(encrypted.body.string("ciphertext"))
            #expect(ciphertext.hasPrefix("ssm:v1:"))
            #expect(encrypted.body.int("key_version") == 1)

            let decrypted = try await client.send(
                .post, "/v1/decrypt/\(name)", ["ciphertext": ciphertext, "associated_data": Transit.b64("ctx")])
            #expect(decrypted.status == .ok)
            #expect(decrypted.body.string("plaintext") == plaintext)

            expectProblem(
                try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": ciphertext, "associated_data": Transit.b64("other")]),
                .badRequest, "DECRYPTION_ERROR")
            expectProblem(try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": ciphertext]), .badRequest, "DECRYPTION_ERROR")

            let empty = try await client.send(.post, "/v1/encrypt/\(name)", ["plaintext": ""])
            let emptyBack = try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": empty.body.string("ciphertext") ?? ""])
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
            let v1 = try #require(try await client.send(.post, "/v1/encrypt/\(name)", ["plaintext": one]).body.string("ciphertext"))
            #expect(v1.hasPrefix("ssm:v1:"))
            #expect(try await client.send(.post, "/v1/keys/\(name)/rotate").body.int("latest_version") == 2)
            let v2 = try #require(try await client.send(.post, "/v1/encrypt/\(name)", ["plaintext": two]).body.string("ciphertext"))
            #expect(v2.hasPrefix("ssm:v2:"))

            #expect(try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": v1]).body.string("plaintext") == one)
            #expect(try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": v2]).body.string("plaintext") == two)

            let rewrapped = try await client.send(.post, "/v1/rewrap/\(name)", ["ciphertext": v1])
            #expect(rewrapped.status == .ok)
            #expect(rewrapped.body.string("plaintext") == nil)
            let v1to2 = try #require(rewrapped.body.string("ciphertext"))
            #expect(v1to2.hasPrefix("ssm:v2:"))
            #expect(try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": v1to2]).body.string("plaintext") == one)

            let configured = try await client.send(.put, "/v1/keys/\(name)/config", ["min_decryption_version": 2])
            #expect(configured.status == .ok)
            expectProblem(try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": v1]), .badRequest, "KEY_VERSION_DISABLED")
            expectProblem(try await client.send(.post, "/v1/rewrap/\(name)", ["ciphertext": v1]), .badRequest, "KEY_VERSION_DISABLED")
            #expect(try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": v1to2]).body.string("plaintext") == one)

            let unknown = "ssm:v9:" + String(v2.dropFirst("ssm:v2:".count))
            expectProblem(try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": unknown]), .notFound, "KEY_VERSION_NOT_FOUND")
            try await Transit.delete(client, name)
        }
    }

    @Test("malformed ciphertexts, bad base64, oversized plaintexts and wrong key types are 4xx problems")
    func errors() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("err")
            try await Transit.create(client, name)
            for bad in ["", "ssm:v1", "vault:v1:AAAA", "ssm:vx:AAAA", "ssm:v0:AAAA", "ssm:v1:!!!", "ssm:v1:AAAA"] {
                expectProblem(try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": bad]), .badRequest, "INVALID_CIPHERTEXT")
            }
            expectProblem(try await client.send(.post, "/v1/encrypt/\(name)", ["plaintext": "***"]), .badRequest, "INVALID_REQUEST")
            expectProblem(try await client.send(.post, "/v1/encrypt/\(name)", ["other": 1]), .badRequest, "INVALID_REQUEST")
            let large = Data(count: 64 * 1024 + 1).base64EncodedString()
            expectProblem(try await client.send(.post, "/v1/encrypt/\(name)", ["plaintext": large]), .contentTooLarge, "PLAINTEXT_TOO_LARGE")
            expectProblem(try await client.send(.post, "/v1/encrypt/\(Transit.name("none"))", ["plaintext": ""]), .notFound, "KEY_NOT_FOUND")
            expectProblem(
                try await client.send(.post, "/v1/encrypt/\(name)", ["plaintext": "", "key_version": 5]), .notFound,
                "KEY_VERSION_NOT_FOUND")

            let signer = Transit.name("signer")
            try await Transit.create(client, signer, type: "ecdsa-p256")
            expectProblem(try await client.send(.post, "/v1/encrypt/\(signer)", ["plaintext": ""]), .badRequest, "UNSUPPORTED_OPERATION")
            try await Transit.delete(client, signer)
            try await Transit.delete(client, name)
        }
    }

    @Test("a data key's wrapped form decrypts back through /v1/decrypt to its plaintext")
    func dataKeys() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("dk")
            try await Transit.create(client, name)
            let plain = try await client.send(.post, "/v1/datakey/plaintext/\(name)", ["bits": 128])
            #expect(plain.status == .ok)
            let key = try #require(plain.body.string("plaintext"))
            #expect(Data(base64Encoded: key)?.count == 16)
            let wrapped = try #require(plain.body.string("ciphertext"))
            let unwrapped = try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": wrapped])
            #expect(unwrapped.body.string("plaintext") == key)

            let onlyWrapped = try await client.send(.post, "/v1/datakey/wrapped/\(name)")
            #expect(onlyWrapped.status == .ok)
            #expect(onlyWrapped.body.string("plaintext") == nil)
            let back = try await client.send(.post, "/v1/decrypt/\(name)", ["ciphertext": onlyWrapped.body.string("ciphertext") ?? ""])
            #expect(Data(base64Encoded: back.body.string("plaintext") ?? "")?.count == 32)

            expectProblem(try await client.send(.post, "/v1/datakey/plaintext/\(name)", ["bits": 100]), .badRequest, "INVALID_REQUEST")
            expectProblem(try await client.send(.post, "/v1/datakey/other/\(name)"), .notFound, "NOT_FOUND")
            try await Transit.delete(client, name)
        }
    }

    @Test("random bytes come from the HSM in the requested number")
    func random() async throws {
        try await withTestApp { client, _ in
            let first = try await client.send(.get, "/v1/random/32")
            let second = try await client.send(.post, "/v1/random/32")
            let a = try #require(Data(base64Encoded: first.body.string("random_bytes") ?? ""))
            let b = try #require(Data(base64Encoded: second.body.string("random_bytes") ?? ""))
            #expect(a.count == 32 && b.count == 32 && a != b)
            expectProblem(try await client.send(.get, "/v1/random/0"), .badRequest, "INVALID_REQUEST")
            expectProblem(try await client.send(.get, "/v1/random/4097"), .badRequest, "INVALID_REQUEST")
            expectProblem(try await client.send(.get, "/v1/random/abc"), .badRequest, "INVALID_REQUEST")
        }
    }

    @Test("batches answer in order with per-item errors; the batch size is limited")
    func batches() async throws {
        try await withTestApp(v1MaxBatch: 4) { client, _ in
            let name = Transit.name("batch")
            try await Transit.create(client, name)
            let inputs = ["a", "b", "c"].map(Transit.b64)
            let encrypted = try await client.send(
                .post, "/v1/encrypt/\(name)",
                ["batch_input": [["plaintext": inputs[0]], ["plaintext": "%%"], ["plaintext": inputs[2], "associated_data": Transit.b64("x")]]])
            #expect(encrypted.status == .ok)
            let results = try #require(encrypted.body["batch_results"] as? [[String: Any]])
            #expect(results.count == 3)
            #expect(results[1]["code"] as? String == "INVALID_REQUEST")
            let first = try #require(results[0]["ciphertext"] as? String)
            let third = try #require(results[2]["ciphertext"] as? String)

            let decrypted = try await client.send(
                .post, "/v1/decrypt/\(name)",
                ["batch_input": [["ciphertext": first], ["ciphertext": "ssm:v1:AAAA"], ["ciphertext": third, "associated_data": Transit.b64("x")], ["ciphertext": third]]])
            let plain = try #require(decrypted.body["batch_results"] as? [[String: Any]])
            #expect(plain.count == 4)
            #expect(plain[0]["plaintext"] as? String == inputs[0])
            #expect(plain[1]["code"] as? String == "INVALID_CIPHERTEXT")
            #expect(plain[2]["plaintext"] as? String == inputs[2])
            #expect(plain[3]["code"] as? String == "DECRYPTION_ERROR")

            try await client.send(.post, "/v1/keys/\(name)/rotate")
            let rewrapped = try await client.send(.post, "/v1/rewrap/\(name)", ["batch_input": [["ciphertext": first]]])
            let wrapped = try #require(rewrapped.body["batch_results"] as? [[String: Any]])
            #expect((wrapped.first?["ciphertext"] as? String)?.hasPrefix("ssm:v2:") == true)

            let five = Array(repeating: ["plaintext": inputs[0]], count: 5)
            expectProblem(try await client.send(.post, "/v1/encrypt/\(name)", ["batch_input": five]), .badRequest, "BATCH_TOO_LARGE")
            expectProblem(try await client.send(.post, "/v1/encrypt/\(name)", ["batch_input": [[String: String]]()]), .badRequest, "INVALID_REQUEST")
            expectProblem(
                try await client.send(.post, "/v1/encrypt/\(name)", ["plaintext": inputs[0], "batch_input": [["plaintext": inputs[0]]]]),
                .badRequest, "INVALID_REQUEST")
            try await Transit.delete(client, name)
        }
    }
}
