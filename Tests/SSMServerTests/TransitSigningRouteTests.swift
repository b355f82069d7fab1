import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import SSMServer
import Testing
import _CryptoExtras

@Suite("Transit signing and HMAC")
struct TransitSigningRouteTests {
    /// The PEM of `version` from `GET /v1/transit/keys/{name}`.
    func publicKeyPEM(_ client: any TestClientProtocol, _ name: String, version: Int = 1) async throws -> String {
        let described = try await Transit.send(client, .get, "keys/\(name)")
        return try #require(described.body.object("keys")?.object(String(version))?.string("public_key"))
    }

    /// The bytes of `vault:v<version>:<base64>` (URL-safe base64 for JWS signatures).
    func signatureBytes(_ signature: String, version: Int = 1, urlSafe: Bool = false) throws -> Data {
        #expect(signature.hasPrefix("vault:v\(version):"))
        var text = String(signature.dropFirst("vault:v\(version):".count))
        if urlSafe {
            #expect(!text.contains("+") && !text.contains("/") && !text.contains("="))
            text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while text.count % 4 != 0 { text += "=" }
        }
        return try #require(Data(base64Encoded: text))
    }

    @Test("ECDSA P-256 signatures (ASN.1 and JWS) verify with swift-crypto from the described PEM, and through /v1/verify")
    func ecdsa() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("ec")
            try await Transit.create(client, name, type: "ecdsa-p256")
            let publicKey = try P256.Signing.PublicKey(pemRepresentation: try await publicKeyPEM(client, name))
            let message = Data("sign me".utf8)

            let der = try await Transit.send(client, .post, "sign/\(name)", ["input": message.base64EncodedString()])
            #expect(der.status == .ok)
            let derSignature = try #require(der.body.string("signature"))
            let parsed = try P256.Signing.ECDSASignature(derRepresentation: try signatureBytes(derSignature))
            #expect(publicKey.isValidSignature(parsed, for: message))

            let jws = try await Transit.send(client, 
                .post, "sign/\(name)", ["input": message.base64EncodedString(), "marshaling_algorithm": "jws"])
            let jwsSignature = try #require(jws.body.string("signature"))
            let raw = try signatureBytes(jwsSignature, urlSafe: true)
            #expect(raw.count == 64)
            #expect(publicKey.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: raw), for: message))
            let jwsValid = try await Transit.send(
                client, .post, "verify/\(name)",
                ["input": message.base64EncodedString(), "signature": jwsSignature, "marshaling_algorithm": "jws"])
            #expect(jwsValid.body["valid"] as? Bool == true)

            let digest = Data(SHA384.hash(data: message))
            let prehashed = try await Transit.send(client, 
                .post, "sign/\(name)",
                ["input": digest.base64EncodedString(), "prehashed": true, "hash_algorithm": "sha2-384"])
            let prehashedSignature = try P256.Signing.ECDSASignature(
                derRepresentation: try signatureBytes(try #require(prehashed.body.string("signature"))))
            #expect(publicKey.isValidSignature(prehashedSignature, for: SHA384.hash(data: message)))

            let valid = try await Transit.send(client, 
                .post, "verify/\(name)", ["input": message.base64EncodedString(), "signature": derSignature])
            #expect(valid.body["valid"] as? Bool == true)
            let invalid = try await Transit.send(client, 
                .post, "verify/\(name)", ["input": Transit.b64("other"), "signature": derSignature])
            #expect(invalid.body["valid"] as? Bool == false)

            // A prehashed input must have the digest length.
            expectVaultError(
                try await Transit.send(client, .post, "sign/\(name)", ["input": Transit.b64("x"), "prehashed": true]), .badRequest)
            try await Transit.delete(client, name)
        }
    }

    @Test("RSA PSS and PKCS #1 v1.5 signatures verify with swift-crypto from the described PEM", arguments: ["pss", "pkcs1v15"])
    func rsa(padding: String) async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("rsa")
            try await Transit.create(client, name, type: "rsa-2048")
            let publicKey = try _RSA.Signing.PublicKey(pemRepresentation: try await publicKeyPEM(client, name))
            let swiftPadding: _RSA.Signing.Padding = padding == "pss" ? .PSS : .insecurePKCS1v1_5
            let message = Data("rsa message".utf8)
            for hash in ["sha2-256", "sha2-512"] {
                for prehashed in [false, true] {
                    let input: Data =
                        prehashed ? (hash == "sha2-256" ? Data(SHA256.hash(data: message)) : Data(SHA512.hash(data: message))) : message
                    // swift-crypto's PSS uses a salt as long as the digest ("hash"); Vault's default
                    // ("auto", the longest salt) is checked through the verify route below.
                    let signed = try await Transit.send(client,
                        .post, "sign/\(name)",
                        ["input": input.base64EncodedString(), "hash_algorithm": hash, "signature_algorithm": padding,
                         "prehashed": prehashed, "salt_length": "hash"])
                    #expect(signed.status == .ok, "\(signed.body.values)")
                    let signature = try #require(signed.body.string("signature"))
                    let bytes = _RSA.Signing.RSASignature(rawRepresentation: try signatureBytes(signature))
                    let ok =
                        hash == "sha2-256"
                        ? publicKey.isValidSignature(bytes, for: SHA256.hash(data: message), padding: swiftPadding)
                        : publicKey.isValidSignature(bytes, for: SHA512.hash(data: message), padding: swiftPadding)
                    #expect(ok, "\(hash) prehashed \(prehashed)")
                    let verified = try await Transit.send(client, 
                        .post, "verify/\(name)",
                        ["input": input.base64EncodedString(), "signature": signature, "hash_algorithm": hash,
                         "signature_algorithm": padding, "prehashed": prehashed])
                    #expect(verified.body["valid"] as? Bool == true)
                }
            }
            // The default salt (auto: the longest) signs and verifies; the hash goes in the path.
            let auto = try await Transit.send(
                client, .post, "sign/\(name)/sha2-384", ["input": message.base64EncodedString(), "signature_algorithm": padding])
            let autoSignature = try #require(auto.body.string("signature"))
            let autoValid = try await Transit.send(
                client, .post, "verify/\(name)/sha2-384",
                ["input": message.base64EncodedString(), "signature": autoSignature, "signature_algorithm": padding])
            #expect(autoValid.body["valid"] as? Bool == true)
            try await Transit.delete(client, name)
        }
    }

    @Test("signatures of a rotated key name their version; batches sign and verify per item; minDecryptionVersion stops verification")
    func rotationAndBatches() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("sigrot")
            try await Transit.create(client, name, type: "ecdsa-p256")
            let old = try #require(
                try await Transit.send(client, .post, "sign/\(name)", ["input": Transit.b64("m")]).body.string("signature"))
            try await Transit.send(client, .post, "keys/\(name)/rotate")
            let batch = try await Transit.send(client, 
                .post, "sign/\(name)", ["batch_input": [["input": Transit.b64("a")], ["input": "??"], ["input": Transit.b64("c")]]])
            let results = try #require(batch.body["batch_results"] as? [[String: Any]])
            #expect(results.count == 3)
            #expect((results[0]["signature"] as? String)?.hasPrefix("vault:v2:") == true)
            #expect(results[1]["error"] is String)
            #expect(batch.status == .badRequest)
            let newPEM = try P256.Signing.PublicKey(pemRepresentation: try await publicKeyPEM(client, name, version: 2))
            let sig = try P256.Signing.ECDSASignature(
                derRepresentation: try signatureBytes(try #require(results[2]["signature"] as? String), version: 2))
            #expect(newPEM.isValidSignature(sig, for: Data("c".utf8)))

            let verified = try await Transit.send(client, 
                .post, "verify/\(name)",
                ["batch_input": [
                    ["input": Transit.b64("m"), "signature": old], ["input": Transit.b64("a"), "signature": results[0]["signature"] as? String ?? ""],
                    ["input": Transit.b64("x"), "signature": old],
                ]])
            let checks = try #require(verified.body["batch_results"] as? [[String: Any]])
            #expect(checks.map { $0["valid"] as? Bool } == [true, true, false])

            try await Transit.send(client, .put, "keys/\(name)/config", ["min_decryption_version": 2])
            expectVaultError(
                try await Transit.send(client, .post, "verify/\(name)", ["input": Transit.b64("m"), "signature": old]), .badRequest)
            try await Transit.delete(client, name)
        }
    }

    @Test("ECDSA P-384 signatures verify with swift-crypto from the described PEM")
    func ecdsaP384() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("ec384")
            try await Transit.create(client, name, type: "ecdsa-p384")
            let publicKey = try P384.Signing.PublicKey(pemRepresentation: try await publicKeyPEM(client, name))
            let message = Data("p-384".utf8)
            let signed = try await Transit.send(client, .post, "sign/\(name)", ["input": message.base64EncodedString(), "hash_algorithm": "sha2-384"])
            let signature = try P384.Signing.ECDSASignature(
                derRepresentation: try signatureBytes(try #require(signed.body.string("signature"))))
            #expect(publicKey.isValidSignature(signature, for: SHA384.hash(data: message)))
            try await Transit.delete(client, name)
        }
    }

    @Test("HMAC: the same input gives the same HMAC, verification through /v1/verify, other key types refuse")
    func hmac() async throws {
        try await withTestApp { client, _ in
            let name = Transit.name("mac")
            try await Transit.create(client, name, type: "hmac")
            let first = try await Transit.send(client, .post, "hmac/\(name)", ["input": Transit.b64("data")])
            #expect(first.status == .ok)
            let mac = try #require(first.body.string("hmac"))
            #expect(try signatureBytes(mac).count == 32)
            #expect(try await Transit.send(client, .post, "hmac/\(name)", ["input": Transit.b64("data")]).body.string("hmac") == mac)
            let sha512 = try await Transit.send(client, .post, "hmac/\(name)", ["input": Transit.b64("data"), "algorithm": "sha2-512"])
            #expect(try signatureBytes(try #require(sha512.body.string("hmac"))).count == 64)

            #expect(
                try await Transit.send(client, .post, "verify/\(name)", ["input": Transit.b64("data"), "hmac": mac]).body["valid"] as? Bool == true)
            #expect(
                try await Transit.send(client, .post, "verify/\(name)", ["input": Transit.b64("datA"), "hmac": mac]).body["valid"] as? Bool == false)

            let batch = try await Transit.send(client, 
                .post, "hmac/\(name)", ["batch_input": [["input": Transit.b64("data")], ["input": Transit.b64("other")]]])
            let results = try #require(batch.body["batch_results"] as? [[String: Any]])
            #expect(results.first?["hmac"] as? String == mac)
            #expect(results.count == 2)

            expectVaultError(try await Transit.send(client, .post, "sign/\(name)", ["input": Transit.b64("x")]), .badRequest)
            let aes = Transit.name("aesmac")
            try await Transit.create(client, aes)
            expectVaultError(try await Transit.send(client, .post, "hmac/\(aes)", ["input": Transit.b64("x")]), .badRequest)
            try await Transit.delete(client, aes)
            try await Transit.delete(client, name)
        }
    }
}
