import PKCS11
import SoftHSMTestSupport
import Testing

@Suite("Keys")
struct KeyTests {
    static let types: [(SecretKeyType, KeyType, Int)] = [
        (.aes(bits: 128), .aes, 16),
        (.aes(bits: 192), .aes, 24),
        (.aes(bits: 256), .aes, 32),
        (.des, .des, 8),
        (.des3, .des3, 24),
    ]

    @Test("generated keys are found by label and by ID and read back as created", arguments: types)
    func generate(type: SecretKeyType, keyType: KeyType, length: Int) throws {
        let label = uniqueLabel("gen-\(type)")
        let id = uniqueKeyID()
        try SoftHSMToken.shared().withLoggedInSession { session in
            let key = try session.generateKey(type, label: label, id: id)
            defer { try? session.destroyObject(key) }

            #expect(try session.findSecretKeys(label: label) == [key])
            #expect(try session.findSecretKeys(id: id).contains(key))
            #expect(try session.findSecretKeys(label: label, id: id) == [key])
            #expect(try session.findSecretKeys(label: label, id: KeyID(id.rawValue &+ 1)).isEmpty)

            let info = try session.keyInfo(key)
            #expect(info.handle == key)
            #expect(info.label == label)
            #expect(info.id == id)
            #expect(info.type == keyType)
            #expect(info.lengthBytes == length)
            #expect(info.bits == length * 8)
            #expect(info.usage == .symmetricDefault)
            #expect(info.sensitive)
            #expect(!info.extractable)
        }
    }

    @Test("usage flags are set exactly as asked")
    func usage() throws {
        let label = uniqueLabel("usage")
        try SoftHSMToken.shared().withLoggedInSession { session in
            let key = try session.generateKey(.aes(bits: 128), label: label, id: uniqueKeyID(), usage: [.encrypt, .sign])
            defer { try? session.destroyObject(key) }
            #expect(try session.keyInfo(key).usage == [.encrypt, .sign])
        }
    }

    @Test("several keys can share a label and differ by ID")
    func versions() throws {
        let label = uniqueLabel("versions")
        try SoftHSMToken.shared().withLoggedInSession { session in
            let first = try session.generateKey(.aes(bits: 256), label: label, id: 1)
            defer { try? session.destroyObject(first) }
            let second = try session.generateKey(.aes(bits: 256), label: label, id: 2)
            defer { try? session.destroyObject(second) }
            #expect(Set(try session.findSecretKeys(label: label)) == [first, second])
            #expect(try session.findSecretKeys(label: label, id: 2) == [second])
        }
    }

    @Test("more keys than one C_FindObjects batch are all found")
    func manyKeys() throws {
        let label = uniqueLabel("many")
        try SoftHSMToken.shared().withLoggedInSession { session in
            var keys: [ObjectHandle] = []
            defer { for key in keys { try? session.destroyObject(key) } }
            for index in 0..<70 {
                keys.append(try session.generateKey(.aes(bits: 128), label: label, id: KeyID(Int32(index))))
            }
            #expect(Set(try session.findSecretKeys(label: label)) == Set(keys))
        }
    }

    @Test("an imported key value gives the known answer; a decrypt-only import cannot encrypt")
    func importKnownValue() throws {
        let label = uniqueLabel("import")
        let id = uniqueKeyID()
        // FIPS-197 appendix C.1: AES-128 with key 00..0f; CBC with a zero IV equals ECB on block one.
        let value: [UInt8] = Array(0..<16)
        let plaintext: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]
        let expected: [UInt8] = [0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a]
        let mechanism = Mechanism.aesCBCPad(iv: Array(repeating: 0, count: 16))
        try SoftHSMToken.shared().withLoggedInSession { session in
            let key = try session.importKey(.aes(bits: 128), value: value, label: label, id: id, usage: [.encrypt, .decrypt])
            defer { try? session.destroyObject(key) }
            let info = try session.keyInfo(key)
            #expect(info.label == label)
            #expect(info.id == id)
            #expect(info.type == .aes)
            #expect(info.lengthBytes == 16)
            #expect(info.usage == [.encrypt, .decrypt])
            #expect(info.sensitive)
            #expect(!info.extractable)

            let ciphertext = try session.encrypt(mechanism, key: key, data: plaintext)
            #expect(ciphertext.count == 32)  // the block and a full padding block
            #expect(Array(ciphertext.prefix(16)) == expected)
            #expect(try session.decrypt(mechanism, key: key, data: ciphertext) == plaintext)

            let decryptOnly = try session.importKey(
                .aes(bits: 128), value: value, label: label + "-k4", id: id, usage: .decryptOnly
            )
            defer { try? session.destroyObject(decryptOnly) }
            #expect(try session.keyInfo(decryptOnly).usage == [.decrypt])
            #expect(try session.decrypt(mechanism, key: decryptOnly, data: ciphertext) == plaintext)
            let refused = #expect(throws: PKCS11Error.self) {
                try session.encrypt(mechanism, key: decryptOnly, data: plaintext)
            }
            #expect(refused?.returnValue == .keyFunctionNotPermitted)
            #expect(refused?.errorClass == .badInput)
        }
    }

    @Test(
        "a key value of the wrong length is rejected before reaching the token",
        arguments: [
            (SecretKeyType.aes(bits: 128), 32, "16 bytes, not 32"), (.aes(bits: 256), 16, "32 bytes, not 16"),
            (.des, 24, "8 bytes, not 24"), (.des3, 16, "24 bytes, not 16"), (.aes(bits: 100), 13, "not 100"),
        ]
    )
    func importWrongLength(type: SecretKeyType, length: Int, expected: String) throws {
        let value = Array(repeating: UInt8(0x5a), count: length)
        try SoftHSMToken.shared().withLoggedInSession { session in
            let error = #expect(throws: PKCS11Error.self) {
                try session.importKey(type, value: value, label: uniqueLabel("bad"), id: 1)
            }
            guard case .invalidArgument(let message)? = error?.kind else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
                return
            }
            #expect(message.contains(expected))
            #expect(error?.errorClass == .badInput)
            #expect(error?.description.contains(hex(value)) == false)
        }
    }

    @Test("an AES size other than 128/192/256 cannot be generated")
    func generateBadSize() throws {
        try SoftHSMToken.shared().withLoggedInSession { session in
            let error = #expect(throws: PKCS11Error.self) {
                try session.generateKey(.aes(bits: 512), label: uniqueLabel("bad"), id: 1)
            }
            #expect(error?.errorClass == .badInput)
        }
    }

    @Test("a destroyed key is gone and its handle fails with objectProblem")
    func destroy() throws {
        let label = uniqueLabel("destroy")
        try SoftHSMToken.shared().withLoggedInSession { session in
            let key = try session.generateKey(.aes(bits: 256), label: label, id: uniqueKeyID())
            try session.destroyObject(key)
            #expect(try session.findSecretKeys(label: label).isEmpty)

            let encrypt = #expect(throws: PKCS11Error.self) {
                try session.encrypt(.aesGCM(iv: randomBytes(12)), key: key, data: [1, 2, 3])
            }
            #expect(encrypt?.errorClass == .objectProblem)
            #expect(encrypt?.function == "C_EncryptInit")
            // SoftHSM answers CKR_OBJECT_HANDLE_INVALID where the standard suggests CKR_KEY_HANDLE_INVALID.
            #expect([ReturnValue.keyHandleInvalid, .objectHandleInvalid].contains(encrypt?.returnValue))

            let info = #expect(throws: PKCS11Error.self) { try session.keyInfo(key) }
            #expect(info?.errorClass == .objectProblem)

            let again = #expect(throws: PKCS11Error.self) { try session.destroyObject(key) }
            #expect(again?.errorClass == .objectProblem)
        }
    }
}
