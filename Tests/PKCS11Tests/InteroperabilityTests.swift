import Crypto
import Foundation
import PKCS11
import SoftHSMTestSupport
import Testing
import _CryptoExtras

@Suite("Interoperability with swift-crypto and OpenSSL")
struct InteroperabilityTests {
    /// A known AES-256 key value.
    static let aesKey: [UInt8] = Array(
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4".hexBytes
    )
    /// A known DES3 key value (three DES keys with odd parity).
    static let des3Key: [UInt8] = Array("0123456789abcdeffedcba987654321089abcdef01234567".hexBytes)

    @Test("AES-GCM from the token opens with swift-crypto, and the reverse", arguments: [0, 1, 64, 1000])
    func aesGCM(length: Int) throws {
        let plaintext = randomBytes(length)
        let iv = randomBytes(12)
        let aad = Array("ssm interop".utf8)
        let key = SymmetricKey(data: Self.aesKey)
        try withImportedKey(.aes(bits: 256), Self.aesKey) { session, handle in
            let mechanism = Mechanism.aesGCM(iv: iv, aad: aad)
            let sealed = try session.encrypt(mechanism, key: handle, data: plaintext)
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: iv),
                ciphertext: sealed.dropLast(16),
                tag: sealed.suffix(16)
            )
            #expect(Array(try AES.GCM.open(box, using: key, authenticating: aad)) == plaintext)

            let theirs = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(data: iv), authenticating: aad)
            let theirsBytes = Array(theirs.ciphertext) + Array(theirs.tag)
            #expect(theirsBytes == sealed)  // deterministic for a given key, IV and AAD
            #expect(try session.decrypt(mechanism, key: handle, data: theirsBytes) == plaintext)
        }
    }

    @Test("AES-CBC-PAD from the token decrypts with swift-crypto, and the reverse", arguments: [0, 15, 16, 17, 1000])
    func aesCBC(length: Int) throws {
        let plaintext = randomBytes(length)
        let iv = randomBytes(16)
        let key = SymmetricKey(data: Self.aesKey)
        try withImportedKey(.aes(bits: 256), Self.aesKey) { session, handle in
            let mechanism = Mechanism.aesCBCPad(iv: iv)
            let ciphertext = try session.encrypt(mechanism, key: handle, data: plaintext)
            let decrypted = try AES._CBC.decrypt(ciphertext, using: key, iv: AES._CBC.IV(ivBytes: iv))
            #expect(Array(decrypted) == plaintext)

            let theirs = Array(try AES._CBC.encrypt(plaintext, using: key, iv: AES._CBC.IV(ivBytes: iv)))
            #expect(theirs == ciphertext)
            #expect(try session.decrypt(mechanism, key: handle, data: theirs) == plaintext)
        }
    }

    @Test(
        "DES3-CBC-PAD interoperates with openssl enc -des-ede3-cbc",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs the openssl CLI"),
        arguments: [0, 5, 8, 100]
    )
    func des3WithOpenSSL(length: Int) throws {
        let plaintext = randomBytes(length)
        let iv = randomBytes(8)
        try withImportedKey(.des3, Self.des3Key) { session, handle in
            let mechanism = Mechanism.des3CBCPad(iv: iv)
            let ours = try session.encrypt(mechanism, key: handle, data: plaintext)
            #expect(try openssl(decrypt: true, iv: iv, input: ours) == plaintext)

            let theirs = try openssl(decrypt: false, iv: iv, input: plaintext)
            #expect(theirs == ours)
            #expect(try session.decrypt(mechanism, key: handle, data: theirs) == plaintext)
        }
    }

    // MARK: - Helpers

    private func withImportedKey<R>(
        _ type: SecretKeyType,
        _ value: [UInt8],
        _ body: (borrowing Session, ObjectHandle) throws -> R
    ) throws -> R {
        try SoftHSMToken.shared().withLoggedInSession { session in
            let key = try session.importKey(type, value: value, label: uniqueLabel("interop"), id: uniqueKeyID())
            defer { try? session.destroyObject(key) }
            return try body(session, key)
        }
    }

    /// Runs `openssl enc [-d] -des-ede3-cbc -K … -iv …` on `input` through files.
    private func openssl(decrypt: Bool, iv: [UInt8], input: [UInt8]) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory
        let inputURL = directory.appendingPathComponent("ssm-openssl-\(UUID().uuidString).in")
        let outputURL = directory.appendingPathComponent("ssm-openssl-\(UUID().uuidString).out")
        defer {
            try? FileManager.default.removeItem(at: inputURL)
            try? FileManager.default.removeItem(at: outputURL)
        }
        try Data(input).write(to: inputURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["enc"] + (decrypt ? ["-d"] : []) + [
            "-des-ede3-cbc", "-K", hex(Self.des3Key), "-iv", hex(iv),
            "-in", inputURL.path, "-out", outputURL.path,
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl failed: \(message)")
        return Array(try Data(contentsOf: outputURL))
    }
}

extension String {
    /// The bytes of a hexadecimal string (pairs of digits).
    fileprivate var hexBytes: [UInt8] {
        var bytes: [UInt8] = []
        var index = startIndex
        while let next = self.index(index, offsetBy: 2, limitedBy: endIndex), index != endIndex {
            if let byte = UInt8(self[index..<next], radix: 16) {
                bytes.append(byte)
            }
            index = next
        }
        return bytes
    }
}
