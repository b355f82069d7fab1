import Crypto
import Foundation
import PKCS11
import SoftHSMTestSupport
import Testing
import _CryptoExtras

@Suite("Signing, key pairs and HMAC")
struct SigningTests {
    /// Runs `body` with a fresh key pair; destroys both halves after.
    func withKeyPair<R>(_ type: KeyPairType, _ body: (borrowing Session, KeyPairHandles) throws -> R) throws -> R {
        try SoftHSMToken.shared().withLoggedInSession { session in
            let pair = try session.generateKeyPair(type, label: uniqueLabel("pair"), id: uniqueKeyID())
            defer {
                try? session.destroyObject(pair.privateKey)
                try? session.destroyObject(pair.publicKey)
            }
            return try body(session, pair)
        }
    }

    @Test("an EC P-256 pair is found by class, label and ID; the private half is sensitive")
    func ecKeyPair() throws {
        let label = uniqueLabel("ec")
        let id = uniqueKeyID()
        try SoftHSMToken.shared().withLoggedInSession { session in
            let pair = try session.generateKeyPair(.ecP256, label: label, id: id)
            defer {
                try? session.destroyObject(pair.privateKey)
                try? session.destroyObject(pair.publicKey)
            }
            #expect(try session.findObjects(.privateKey, label: label, id: id) == [pair.privateKey])
            #expect(try session.findObjects(.publicKey, label: label, id: id) == [pair.publicKey])
            #expect(try session.findObjects(.secretKey, label: label).isEmpty)
            guard case .ec(let point, let parameters) = try session.publicKeyValue(pair.publicKey) else {
                Issue.record("not an EC public key")
                return
            }
            #expect(parameters == KeyPairType.prime256v1OID)
            #expect(point.count == 65 && point.first == 0x04)
            _ = try P256.Signing.PublicKey(x963Representation: point)
            #expect(throws: PKCS11Error.self) { try session.publicKeyValue(pair.privateKey) }
        }
    }

    @Test("CKM_ECDSA signs a digest as raw r‖s that swift-crypto verifies, and verifies swift-crypto's")
    func ecdsa() throws {
        try withKeyPair(.ecP256) { session, pair in
            let message = Array("header.payload".utf8)
            let digest = Array(SHA256.hash(data: message))
            let signature = try session.sign(.ecdsa, key: pair.privateKey, data: digest)
            #expect(signature.count == 64)

            guard case .ec(let point, _) = try session.publicKeyValue(pair.publicKey) else {
                Issue.record("not an EC public key")
                return
            }
            let publicKey = try P256.Signing.PublicKey(x963Representation: point)
            let theirs = try P256.Signing.ECDSASignature(rawRepresentation: signature)
            #expect(publicKey.isValidSignature(theirs, for: SHA256.hash(data: message)))

            #expect(try session.verify(.ecdsa, key: pair.publicKey, data: digest, signature: signature))
            var tampered = signature
            tampered[10] ^= 0x01
            #expect(try !session.verify(.ecdsa, key: pair.publicKey, data: digest, signature: tampered))
            #expect(try !session.verify(.ecdsa, key: pair.publicKey, data: digest, signature: Array(signature.prefix(10))))
            #expect(try !session.verify(.ecdsa, key: pair.publicKey, data: Array(SHA256.hash(data: [1])), signature: signature))
        }
    }

    @Test("RSA PKCS #1 v1.5 and PSS signatures verify with swift-crypto", arguments: [2048, 3072])
    func rsa(bits: Int) throws {
        try withKeyPair(.rsa(bits: bits)) { session, pair in
            guard case .rsa(let modulus, let exponent) = try session.publicKeyValue(pair.publicKey) else {
                Issue.record("not an RSA public key")
                return
            }
            #expect(modulus.count == bits / 8)
            #expect(exponent == [0x01, 0x00, 0x01])
            let publicKey = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
            let message = Array("ssm rsa".utf8)
            let digest = SHA256.hash(data: message)

            let cases: [(SignatureMechanism, [UInt8], _RSA.Signing.Padding)] = [
                (.rsaPKCSWithHash(.sha256), message, .insecurePKCS1v1_5),
                (.rsaPKCS, DigestAlgorithm.sha256.digestInfo(Array(digest)), .insecurePKCS1v1_5),
                (.rsaPSSWithHash(.sha256, saltLength: 32), message, .PSS),
                (.rsaPSS(.sha256, saltLength: 32), Array(digest), .PSS),
            ]
            for (mechanism, input, padding) in cases {
                let signature = try session.sign(mechanism, key: pair.privateKey, data: input)
                #expect(signature.count == bits / 8, "\(mechanism)")
                #expect(
                    publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: padding),
                    "\(mechanism)"
                )
                #expect(try session.verify(mechanism, key: pair.publicKey, data: input, signature: signature), "\(mechanism)")
                var tampered = signature
                tampered[0] ^= 0x80
                #expect(try !session.verify(mechanism, key: pair.publicKey, data: input, signature: tampered), "\(mechanism)")
            }
        }
    }

    @Test("SHA-384 and SHA-512 RSA mechanisms round-trip", arguments: [DigestAlgorithm.sha384, .sha512])
    func rsaOtherHashes(hash: DigestAlgorithm) throws {
        try withKeyPair(.rsa(bits: 2048)) { session, pair in
            let message = Array("ssm".utf8)
            for mechanism in [SignatureMechanism.rsaPKCSWithHash(hash), .rsaPSSWithHash(hash, saltLength: hash.digestLength)] {
                let signature = try session.sign(mechanism, key: pair.privateKey, data: message)
                #expect(try session.verify(mechanism, key: pair.publicKey, data: message, signature: signature))
                #expect(try !session.verify(mechanism, key: pair.publicKey, data: message + [0], signature: signature))
            }
        }
    }

    @Test("an HMAC key from CKM_GENERIC_SECRET_KEY_GEN signs and verifies", arguments: DigestAlgorithm.allCases)
    func hmac(hash: DigestAlgorithm) throws {
        try SoftHSMToken.shared().withLoggedInSession { session in
            let label = uniqueLabel("hmac")
            let key = try session.generateGenericSecret(lengthBytes: hash.digestLength, label: label, id: uniqueKeyID())
            defer { try? session.destroyObject(key) }
            let info = try session.keyInfo(key)
            #expect(info.type == .genericSecret)
            #expect(info.usage == [.sign, .verify])
            #expect(info.sensitive && !info.extractable)

            let data = Array("to be authenticated".utf8)
            let mac = try session.sign(.hmac(hash), key: key, data: data)
            #expect(mac.count == hash.digestLength)
            #expect(try session.sign(.hmac(hash), key: key, data: data) == mac)
            #expect(try session.verify(.hmac(hash), key: key, data: data, signature: mac))
            #expect(try !session.verify(.hmac(hash), key: key, data: data + [1], signature: mac))
            #expect(try !session.verify(.hmac(hash), key: key, data: data, signature: Array(mac.dropLast())))
        }
    }

    @Test("invalid parameters are rejected before the module is called")
    func invalidArguments() throws {
        try SoftHSMToken.shared().withLoggedInSession { session in
            #expect(throws: PKCS11Error.self) { try session.generateKeyPair(.rsa(bits: 1024), label: "x", id: 1) }
            #expect(throws: PKCS11Error.self) { try session.generateGenericSecret(lengthBytes: 4, label: "x", id: 1) }
            #expect(throws: PKCS11Error.self) {
                try session.sign(.rsaPSS(.sha256, saltLength: -1), key: ObjectHandle(rawValue: 1), data: [])
            }
        }
    }

    @Test("C_GenerateRandom returns the requested number of bytes, differing between calls")
    func random() throws {
        try SoftHSMToken.shared().withLoggedInSession { session in
            let first = try session.generateRandom(count: 32)
            let second = try session.generateRandom(count: 32)
            #expect(first.count == 32 && second.count == 32)
            #expect(first != second)
            #expect(try session.generateRandom(count: 0).isEmpty)
        }
    }
}
