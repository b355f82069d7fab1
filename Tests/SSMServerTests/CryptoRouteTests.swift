import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SSMCore
import SSMServer
import Testing

@Suite("Crypto routes against SoftHSM")
struct CryptoRouteTests {
    static let plain = "000102030405060708090a0b0c0d0e0f10111213"

    @Test("every algorithm round-trips through /encrypt-pool and /decrypt", arguments: [
        (1, "AES", 256), (2, "AES", 128), (3, "DES", 64), (4, "DES3", 192), (5, "AES", 256), (8, "DES3", 192), (9, "AES", 256),
    ])
    func roundTrip(algorithm: Int, type: String, bits: Int) async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            let path = type == "AES" ? "/generate-aes-key" : type == "DES" ? "/generate-des-key" : "/generate-des3-key"
            let created = try await client.send(.post, path, ["key_label": label, "bits": bits])
            #expect(created.status == .created)
            let sealed = try await client.send(
                .post, "/encrypt-pool", ["key_label": label, "plain": Self.plain, "encryption_algorithm": algorithm])
            #expect(sealed.status == .ok)
            let iv = try #require(sealed.body.string("iv"))
            #expect(iv.count == (type == "AES" ? (algorithm == 9 ? 24 : 32) : 16))
            #expect(sealed.body.int("id") == 1)
            #expect(sealed.body["ok"] as? Bool == true)
            #expect(sealed.body.string("time_created") != nil)
            let cipher = try #require(sealed.body.string("cipher"))
            #expect(cipher != Self.plain)
            let opened = try await client.send(
                .post, "/decrypt",
                ["key_label": label, "cipher": cipher, "iv": iv, "id": 1, "encryption_algorithm": algorithm])
            #expect(opened.status == .ok)
            #expect(opened.body.string("plain") == Self.plain)
        }
    }

    @Test("/encrypt (session per request) and /encrypt-pool give interchangeable results")
    func perRequestAndPooledAreInterchangeable() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 256])
            for route in ["/encrypt", "/encrypt-pool", "/crypto/encrypt", "/crypto/encrypt-pool"] {
                let sealed = try await client.send(
                    .post, route, ["key_label": label, "plain": Self.plain, "encryption_algorithm": 1])
                #expect(sealed.status == .ok, "\(route)")
                #expect(Set(sealed.body.values.keys) == ["cipher", "iv", "id", "ok", "time_created", "time_updated"])
                let opened = try await client.send(
                    .post, "/crypto/decrypt",
                    [
                        "key_label": label, "cipher": sealed.body.string("cipher") ?? "", "iv": sealed.body.string("iv") ?? "",
                        "id": sealed.body.int("id") ?? 0, "encryption_algorithm": 1,
                    ])
                #expect(opened.body.string("plain") == Self.plain, "\(route)")
            }
        }
    }

    @Test("AES-GCM with AAD round-trips; a tampered tag, AAD or ciphertext is a 400 DECRYPTION_ERROR")
    func gcm() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 256])
            let sealed = try await client.send(.post, "/encrypt-aes-gcm", ["key_label": label, "plain": Self.plain, "aad": "cafe"])
            #expect(sealed.status == .ok)
            let cipher = try #require(sealed.body.string("cipher"))
            let iv = try #require(sealed.body.string("iv"))
            let tag = try #require(sealed.body.string("tag"))
            #expect(iv.count == 24 && tag.count == 32 && cipher.count == Self.plain.count)
            let request: [String: any Sendable] = ["key_label": label, "cipher": cipher, "iv": iv, "tag": tag, "aad": "cafe", "id": 1]
            let opened = try await client.send(.post, "/decrypt-aes-gcm", request)
            #expect(opened.status == .ok)
            #expect(opened.body.string("plain") == Self.plain)
            #expect(opened.body.int("id") == 1)

            var badTag = request
            badTag["tag"] = String(tag.reversed())
            expectProblem(try await client.send(.post, "/decrypt-aes-gcm", badTag), .badRequest, "DECRYPTION_ERROR")
            var badAAD = request
            badAAD["aad"] = "beef"
            expectProblem(try await client.send(.post, "/decrypt-aes-gcm", badAAD), .badRequest, "DECRYPTION_ERROR")
            var shortTag = request
            shortTag["tag"] = "00"
            expectProblem(try await client.send(.post, "/decrypt-aes-gcm", shortTag), .badRequest, "INVALID_TAG")
            // The session that saw the failures is still good.
            #expect(try await client.send(.post, "/decrypt-aes-gcm", request).status == .ok)
        }
    }

    @Test("rotation: encrypt uses the newest id, old ids still decrypt")
    func rotation() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            try await client.send(.post, "/generate-aes-key", ["key_label": label])
            let old = try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": Self.plain, "encryption_algorithm": 1])
            #expect(old.body.int("id") == 1)
            let rotated = try await client.send(.post, "/generate-aes-key", ["key_label": label])
            #expect(rotated.body.int("id") == 2)
            let new = try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": Self.plain, "encryption_algorithm": 1])
            #expect(new.body.int("id") == 2)
            let opened = try await client.send(
                .post, "/decrypt",
                ["key_label": label, "cipher": old.body.string("cipher") ?? "", "iv": old.body.string("iv") ?? "", "id": 1, "encryption_algorithm": 1])
            #expect(opened.body.string("plain") == Self.plain)
            // The wrong key id does not decrypt (or decrypts to something else).
            let wrong = try await client.send(
                .post, "/decrypt",
                ["key_label": label, "cipher": old.body.string("cipher") ?? "", "iv": old.body.string("iv") ?? "", "id": 2, "encryption_algorithm": 1])
            #expect(wrong.body.string("plain") != Self.plain)
            if wrong.status != .ok { expectProblem(wrong, .badRequest, "DECRYPTION_ERROR") }
        }
    }

    @Test("bad input gets a 400 problem naming what is wrong")
    func badInput() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            try await client.send(.post, "/generate-aes-key", ["key_label": label])
            expectProblem(try await client.send(.post, "/encrypt-pool", raw: "{\"key_label\":"), .badRequest, "INVALID_JSON")
            let missing = try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "00"])
            expectProblem(missing, .badRequest, "INVALID_JSON")
            #expect(missing.body.string("detail")?.contains("encryption_algorithm") == true)
            expectProblem(
                try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "0g", "encryption_algorithm": 1]),
                .badRequest, "INVALID_HEX")
            expectProblem(
                try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "00", "encryption_algorithm": 0]),
                .badRequest, "UNSUPPORTED_ALGORITHM")
            expectProblem(
                try await client.send(.post, "/encrypt-pool", ["key_label": "", "plain": "00", "encryption_algorithm": 1]),
                .badRequest, "INVALID_REQUEST")
            // An IV of the wrong length is refused, never silently replaced (no ECB fallback).
            expectProblem(
                try await client.send(
                    .post, "/decrypt", ["key_label": label, "cipher": String(repeating: "00", count: 16), "iv": "", "id": 1, "encryption_algorithm": 1]),
                .badRequest, "INVALID_IV")
            expectProblem(
                try await client.send(
                    .post, "/decrypt",
                    ["key_label": label, "cipher": String(repeating: "00", count: 16), "iv": String(repeating: "00", count: 8), "id": 1, "encryption_algorithm": 1]),
                .badRequest, "INVALID_IV")
            // A DES algorithm with an AES key.
            expectProblem(
                try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "00", "encryption_algorithm": 3]),
                .badRequest, "KEY_TYPE_MISMATCH")
            // Garbage ciphertext does not decrypt.
            expectProblem(
                try await client.send(
                    .post, "/decrypt",
                    ["key_label": label, "cipher": String(repeating: "ab", count: 16), "iv": String(repeating: "00", count: 16), "id": 1, "encryption_algorithm": 1]),
                .badRequest, "DECRYPTION_ERROR")
            expectProblem(
                try await client.send(
                    .post, "/decrypt",
                    ["key_label": label, "cipher": String(repeating: "ab", count: 15), "iv": String(repeating: "00", count: 16), "id": 1, "encryption_algorithm": 1]),
                .badRequest, "DECRYPTION_ERROR")
            expectProblem(
                try await client.send(.post, "/encrypt-aes-gcm", ["key_label": label, "plain": ""]), .badRequest, "INVALID_REQUEST")
        }
    }

    @Test("unknown labels and ids are 404 KEY_NOT_FOUND")
    func unknownKeys() async throws {
        try await withTestApp { client, _ in
            let label = uniqueLabel()
            expectProblem(
                try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "00", "encryption_algorithm": 1]),
                .notFound, "KEY_NOT_FOUND")
            expectProblem(
                try await client.send(.post, "/encrypt", ["key_label": label, "plain": "00", "encryption_algorithm": 1]),
                .notFound, "KEY_NOT_FOUND")
            try await client.send(.post, "/generate-aes-key", ["key_label": label])
            expectProblem(
                try await client.send(
                    .post, "/decrypt",
                    ["key_label": label, "cipher": String(repeating: "00", count: 16), "iv": String(repeating: "00", count: 16), "id": 9, "encryption_algorithm": 1]),
                .notFound, "KEY_NOT_FOUND")
        }
    }
}
