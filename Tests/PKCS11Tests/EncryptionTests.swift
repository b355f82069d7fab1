import PKCS11
import SoftHSMTestSupport
import Testing

@Suite("Encryption")
struct EncryptionTests {
    @Test("AES-CBC-PAD round-trips and pads to the next block", arguments: [0, 1, 15, 16, 17, 1000])
    func aesCBC(length: Int) throws {
        let plaintext = randomBytes(length)
        let mechanism = Mechanism.aesCBCPad(iv: randomBytes(16))
        try SoftHSMToken.shared().withTemporaryKey(.aes(bits: 256)) { session, key in
            let ciphertext = try session.encrypt(mechanism, key: key, data: plaintext)
            #expect(ciphertext.count == (length / 16 + 1) * 16)
            #expect(try session.decrypt(mechanism, key: key, data: ciphertext) == plaintext)
        }
    }

    @Test(
        "AES-GCM round-trips with and without AAD; output is ciphertext ‖ tag",
        arguments: [([UInt8](), 0), ([UInt8](), 33), (Array("header".utf8), 0), (Array("header".utf8), 100)]
    )
    func aesGCM(aad: [UInt8], length: Int) throws {
        let plaintext = randomBytes(length)
        let mechanism = Mechanism.aesGCM(iv: randomBytes(12), aad: aad)
        try SoftHSMToken.shared().withTemporaryKey(.aes(bits: 256)) { session, key in
            let sealed = try session.encrypt(mechanism, key: key, data: plaintext)
            #expect(sealed.count == length + 16)
            #expect(try session.decrypt(mechanism, key: key, data: sealed) == plaintext)
        }
    }

    @Test("AES-GCM with a shorter tag", arguments: [96, 128])
    func aesGCMTagLength(tagBits: Int) throws {
        let plaintext = randomBytes(20)
        let mechanism = Mechanism.aesGCM(iv: randomBytes(12), tagBits: tagBits)
        try SoftHSMToken.shared().withTemporaryKey(.aes(bits: 128)) { session, key in
            let sealed = try session.encrypt(mechanism, key: key, data: plaintext)
            #expect(sealed.count == plaintext.count + tagBits / 8)
            #expect(try session.decrypt(mechanism, key: key, data: sealed) == plaintext)
        }
    }

    @Test("AES-ECB round-trips whole blocks without padding; block i is AES of block i alone", arguments: [16, 64, 1024])
    func aesECB(length: Int) throws {
        let block = randomBytes(16)
        // The same block first and last (once when the input is one block).
        let plaintext = length == 16 ? block : block + randomBytes(length - 32) + block
        try SoftHSMToken.shared().withTemporaryKey(.aes(bits: 256)) { session, key in
            let ciphertext = try session.encrypt(.aesECB, key: key, data: plaintext)
            #expect(ciphertext.count == length)
            #expect(try session.decrypt(.aesECB, key: key, data: ciphertext) == plaintext)
            // The first block is CBC's with a zero IV (AES of the block itself); an equal block
            // elsewhere encrypts the same.
            let cbc = try session.encrypt(.aesCBCPad(iv: [UInt8](repeating: 0, count: 16)), key: key, data: block)
            #expect(Array(ciphertext.prefix(16)) == Array(cbc.prefix(16)))
            if length > 16 { #expect(Array(ciphertext.suffix(16)) == Array(ciphertext.prefix(16))) }
        }
    }

    @Test("AES-ECB input that is not whole 16-byte blocks is rejected before reaching the token", arguments: [1, 15, 17, 63])
    func aesECBPartialBlock(length: Int) throws {
        try SoftHSMToken.shared().withTemporaryKey(.aes(bits: 128)) { (session: borrowing Session, key) throws in
            let encrypt = #expect(throws: PKCS11Error.self) { try session.encrypt(.aesECB, key: key, data: randomBytes(length)) }
            guard case .invalidArgument(let message)? = encrypt?.kind else {
                Issue.record("expected invalidArgument, got \(String(describing: encrypt))")
                return
            }
            #expect(message.contains("whole 16-byte blocks"))
            #expect(encrypt?.errorClass == .badInput)
            let decrypt = #expect(throws: PKCS11Error.self) { try session.decrypt(.aesECB, key: key, data: randomBytes(length)) }
            #expect(decrypt?.errorClass == .badInput)
            // Nothing was left half-initialised on the session.
            #expect(try session.encrypt(.aesECB, key: key, data: randomBytes(32)).count == 32)
        }
    }

    @Test("DES-CBC-PAD and DES3-CBC-PAD round-trip", arguments: [0, 7, 8, 9, 100])
    func desCBC(length: Int) throws {
        let plaintext = randomBytes(length)
        let token = try SoftHSMToken.shared()
        for (type, mechanism) in [(SecretKeyType.des, Mechanism.desCBCPad(iv: randomBytes(8))),
                                  (.des3, .des3CBCPad(iv: randomBytes(8)))] {
            try token.withTemporaryKey(type) { session, key in
                let ciphertext = try session.encrypt(mechanism, key: key, data: plaintext)
                #expect(ciphertext.count == (length / 8 + 1) * 8)
                #expect(try session.decrypt(mechanism, key: key, data: ciphertext) == plaintext)
            }
        }
    }

    @Test("a tampered GCM tag, ciphertext or AAD is rejected as bad input")
    func tamperedGCM() throws {
        let plaintext = Array("attack at dawn".utf8)
        let iv = randomBytes(12)
        let mechanism = Mechanism.aesGCM(iv: iv, aad: [1, 2, 3])
        try SoftHSMToken.shared().withTemporaryKey(.aes(bits: 256)) { session, key in
            let sealed = try session.encrypt(mechanism, key: key, data: plaintext)

            var badTag = sealed
            badTag[badTag.count - 1] ^= 0x01
            let tagError = #expect(throws: PKCS11Error.self) { try session.decrypt(mechanism, key: key, data: badTag) }
            // SoftHSM answers CKR_GENERAL_ERROR; the class is what the pool and the HTTP layer use.
            #expect(tagError?.errorClass == .badInput)
            #expect(tagError?.function == "C_Decrypt")

            var badCiphertext = sealed
            badCiphertext[0] ^= 0x80
            let dataError = #expect(throws: PKCS11Error.self) {
                try session.decrypt(mechanism, key: key, data: badCiphertext)
            }
            #expect(dataError?.errorClass == .badInput)

            let aadError = #expect(throws: PKCS11Error.self) {
                try session.decrypt(.aesGCM(iv: iv, aad: [1, 2, 4]), key: key, data: sealed)
            }
            #expect(aadError?.errorClass == .badInput)

            // The session is still usable after the failures.
            #expect(try session.decrypt(mechanism, key: key, data: sealed) == plaintext)
        }
    }

    @Test(
        "a wrong IV length is rejected before reaching the token",
        arguments: [
            Mechanism.aesCBCPad(iv: [UInt8](repeating: 0, count: 15)),
            .aesCBCPad(iv: []),
            .aesGCM(iv: [UInt8](repeating: 0, count: 16)),
            .desCBCPad(iv: [UInt8](repeating: 0, count: 16)),
            .des3CBCPad(iv: [UInt8](repeating: 0, count: 7)),
        ]
    )
    func wrongIVLength(mechanism: Mechanism) throws {
        try SoftHSMToken.shared().withTemporaryKey(.aes(bits: 128)) { (session: borrowing Session, key) throws in
            let encrypt = #expect(throws: PKCS11Error.self) { try session.encrypt(mechanism, key: key, data: [1]) }
            guard case .invalidArgument(let message)? = encrypt?.kind else {
                Issue.record("expected invalidArgument, got \(String(describing: encrypt))")
                return
            }
            #expect(message.contains("\(mechanism.requiredIVLength)-byte IV"))
            #expect(encrypt?.errorClass == .badInput)
            let decrypt = #expect(throws: PKCS11Error.self) { try session.decrypt(mechanism, key: key, data: [1]) }
            #expect(decrypt?.errorClass == .badInput)
            // Nothing was left half-initialised on the session.
            #expect(try session.encrypt(.aesGCM(iv: randomBytes(12)), key: key, data: [1]).count == 17)
        }
    }

    @Test("a GCM tag length outside 32…128 bits is rejected", arguments: [0, 8, 100, 136])
    func wrongTagLength(tagBits: Int) throws {
        #expect(throws: PKCS11Error.self) { try Mechanism.aesGCM(iv: randomBytes(12), tagBits: tagBits).validate() }
    }

    @Test("an AES mechanism with a DES key fails as bad input")
    func wrongKeyType() throws {
        try SoftHSMToken.shared().withTemporaryKey(.des3) { session, key in
            let error = #expect(throws: PKCS11Error.self) {
                try session.encrypt(.aesGCM(iv: randomBytes(12)), key: key, data: [1, 2])
            }
            #expect(error?.errorClass == .badInput)
            #expect(error?.function == "C_EncryptInit")
        }
    }

    @Test("random bytes have the requested length and differ between calls")
    func random() throws {
        try SoftHSMToken.shared().withLoggedInSession { session in
            let first = try session.generateRandom(count: 32)
            let second = try session.generateRandom(count: 32)
            #expect(first.count == 32)
            #expect(second.count == 32)
            #expect(first != second)
            #expect(Set(first).count > 1)
            #expect(try session.generateRandom(count: 0).isEmpty)
            #expect(try session.generateRandom(count: 1000).count == 1000)
            let negative = #expect(throws: PKCS11Error.self) { try session.generateRandom(count: -1) }
            #expect(negative?.errorClass == .badInput)
        }
    }
}
