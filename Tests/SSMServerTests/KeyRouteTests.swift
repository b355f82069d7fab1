import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SSMCore
import SSMServer
import Testing

@Suite("Key management routes against SoftHSM")
struct KeyRouteTests {
    @Test("generate: 201, automatic ids increase, a taken id is 409, bad sizes are 400")
    func generate() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            let first = try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 128, "id": 0])
            #expect(first.status == .created)
            #expect(first.body.int("id") == 1)
            #expect(first.body.int("bits") == 128)
            #expect(first.body.int("handle") != nil)
            let explicit = try await client.send(.post, "/generate-aes-key", ["key_label": label, "id": 10])
            #expect(explicit.body.int("id") == 10)
            #expect(try await client.send(.post, "/generate-aes-key", ["key_label": label]).body.int("id") == 11)
            expectProblem(try await client.send(.post, "/generate-aes-key", ["key_label": label, "id": 10]), .conflict, "KEY_EXISTS")
            expectProblem(try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 100]), .badRequest, "INVALID_KEY_SIZE")
            expectProblem(try await client.send(.post, "/generate-aes-key", ["key_label": label, "id": -1]), .badRequest, "INVALID_REQUEST")
            let des = try await client.send(.post, "/generate-des-key", ["key_label": uniqueLabel()])
            #expect(des.status == .created && des.body.int("bits") == 64)
            let des3 = try await client.send(.post, "/generate-des3-key", ["key_label": uniqueLabel()])
            #expect(des3.status == .created && des3.body.int("bits") == 192)
        }
    }

    @Test("generate with no body uses SSM's label")
    func generateDefaults() async throws {
        try await withTestApp { client, _ in
            let created = try await client.execute(uri: "/generate-des3-key", method: .post) { try JSONObject($0.body) }
            #expect(created.string("key_label") == "KEY_ENCRYPTION_DES3")
        }
    }

    @Test("concurrent automatic ids never collide")
    func concurrentGeneration() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            let ids = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await client.send(.post, "/generate-aes-key", ["key_label": label]).body.int("id") }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(Set(ids.compactMap { $0 }) == Set(1...12))
        }
    }

    @Test("store-key: POST imports, PUT replaces keeping the key on failure, DELETE needs an id")
    func storeReplaceDelete() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            let value = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
            let stored = try await client.send(.post, "/store-key", ["key_label": label, "id": 3, "key_value": value, "key_type": "AES"])
            #expect(stored.status == .created)
            #expect(stored.body.int("size_bits") == 256)
            #expect(stored.body.string("key_value") == nil)
            expectProblem(
                try await client.send(.post, "/store-key", ["key_label": label, "id": 3, "key_value": value, "key_type": "AES"]),
                .conflict, "KEY_EXISTS")
            let sealed = try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "aa", "encryption_algorithm": 1])
            #expect(sealed.body.int("id") == 3)

            // A replacement that fails leaves the old key in place.
            expectProblem(
                try await client.send(.put, "/store-key", ["key_label": label, "id": 3, "key_value": "0001", "key_type": "AES"]),
                .badRequest, "INVALID_KEY_SIZE")
            let decrypt: [String: any Sendable] = [
                "key_label": label, "cipher": sealed.body.string("cipher") ?? "", "iv": sealed.body.string("iv") ?? "", "id": 3,
                "encryption_algorithm": 1,
            ]
            #expect(try await client.send(.post, "/decrypt", decrypt).body.string("plain") == "aa")
            expectProblem(
                try await client.send(.put, "/store-key", ["key_label": uniqueLabel(), "id": 3, "key_value": value, "key_type": "AES"]),
                .notFound, "KEY_NOT_FOUND")

            let replaced = try await client.send(
                .put, "/store-key", ["key_label": label, "id": 3, "key_value": String(value.reversed()), "key_type": "AES"])
            #expect(replaced.status == .ok)
            let listed = try await client.send(.post, "/get-data-keys", ["key_label": label])
            #expect((listed.body["keys"] as? [Any])?.count == 1)
            #expect(try await client.send(.post, "/decrypt", decrypt).body.string("plain") != "aa")

            expectProblem(try await client.send(.delete, "/store-key", ["key_label": label]), .badRequest, "INVALID_REQUEST")
            expectProblem(try await client.send(.delete, "/store-key", ["key_label": label, "id": 0]), .badRequest, "INVALID_REQUEST")
            expectProblem(try await client.send(.delete, "/store-key", ["key_label": label, "id": 4]), .notFound, "KEY_NOT_FOUND")
            let deleted = try await client.send(.delete, "/store-key", ["key_label": label, "id": 3])
            #expect(deleted.status == .ok)
            #expect(deleted.body.string("key_label") == label)
            expectProblem(
                try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "aa", "encryption_algorithm": 1]),
                .notFound, "KEY_NOT_FOUND")
            expectProblem(
                try await client.send(.post, "/store-key", ["key_label": label, "key_value": "zz", "key_type": "AES"]),
                .badRequest, "INVALID_HEX")
            expectProblem(
                try await client.send(.post, "/store-key", ["key_label": label, "key_value": value, "key_type": "RSA"]),
                .badRequest, "UNSUPPORTED_KEY_TYPE")
        }
    }

    @Test("listing: get-data-keys, get-key, get-all-keys, never a key value")
    func listing() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            try await client.send(.post, "/generate-aes-key", ["key_label": label])
            try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 128])
            let keys = try await client.send(.post, "/get-data-keys", ["key_label": label])
            #expect(keys.status == .ok)
            let list = try #require(keys.body["keys"] as? [[String: Any]])
            #expect(list.compactMap { $0["id"] as? Int } == [1, 2])
            #expect(list.compactMap { $0["size_bits"] as? Int } == [256, 128])
            let one = try await client.send(.post, "/get-key", ["key_label": label, "id": 2])
            #expect(one.body.object("key_info")?.int("size_bits") == 128)
            expectProblem(try await client.send(.post, "/get-key", ["key_label": label, "id": 5]), .notFound, "KEY_NOT_FOUND")
            expectProblem(try await client.send(.post, "/get-data-keys", ["key_label": uniqueLabel()]), .notFound, "KEY_NOT_FOUND")
            let all = try await client.send(.post, "/get-all-keys")
            #expect(all.status == .ok)
            let byLabel = try #require(all.body["keys_by_label"] as? [String: [[String: Any]]])
            #expect(byLabel[label]?.count == 2)
            #expect((all.body.int("total_keys") ?? 0) >= 2)
            #expect(all.body.int("total_labels") == byLabel.count)
        }
    }
}
