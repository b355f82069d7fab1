import Foundation
import GRPCCore
import KMSPlugin
import KMSProto
import SSMCore
import Testing

/// The plugin over its Unix socket, driven by the generated Swift client, on the SoftHSM test
/// token (scripts/kms-test.sh drives the built daemon the same way from Python).
@Suite("KMS v2 plugin: calls over the socket on a SoftHSM token")
struct KMSPluginTests {
    @Test("Status answers v2, ok and the key's version; Encrypt and Decrypt round-trip without key_id or annotations")
    func roundTrip() async throws {
        try await KMSFixture.with { client, fixture in
            let status = try await client.status(V2_StatusRequest())
            #expect(status.version == "v2")
            #expect(status.healthz == "ok")
            #expect(status.keyID == "\(fixture.keyName):v1")
            let seed = (0..<32).map { UInt8($0) }
            let encrypted = try await client.encrypt(V2_EncryptRequest(seed, uid: "uid-1"))
            #expect(encrypted.keyID == status.keyID)
            #expect(encrypted.annotations.isEmpty)
            #expect(String(decoding: encrypted.ciphertext, as: UTF8.self).hasPrefix("vault:v1:"))
            #expect(encrypted.ciphertext.count <= 1024)
            // Neither key_id nor annotations are needed (nor read).
            let decrypted = try await client.decrypt(V2_DecryptRequest(encrypted.ciphertext, keyID: "something else"))
            #expect(Array(decrypted.plaintext) == seed)
            // Two encryptions of the same seed differ (a fresh IV each).
            let again = try await client.encrypt(V2_EncryptRequest(seed))
            #expect(again.ciphertext != encrypted.ciphertext)
            // The largest plaintext still fits kube-apiserver's 1 KiB.
            let largest = try await client.encrypt(V2_EncryptRequest(Array(repeating: 7, count: KMSLimits.maxPlaintextBytes)))
            #expect(largest.ciphertext.count <= 1024)
            // The audit records: method, uid, version, outcome; never data.
            let encrypt = fixture.audit.calls.first { $0.method == .encrypt && $0.uid == "uid-1" }
            #expect(encrypt?.keyVersion == 1 && encrypt?.status == "OK" && encrypt?.httpStatus == 200)
            #expect(encrypt?.keyName == fixture.keyName && encrypt?.peer.isEmpty == false)
            #expect(fixture.audit.calls.contains { $0.method == .status && $0.status == "OK" && $0.keyVersion == 1 })
        }
    }

    @Test("a rotation changes key_id in Status at once; new ciphertexts use it; old ones still decrypt")
    func rotation() async throws {
        try await KMSFixture.with { client, fixture in
            let seed = Array("a data-encryption-key seed, 32 B".utf8)
            let old = try await client.encrypt(V2_EncryptRequest(seed))
            #expect(old.keyID == "\(fixture.keyName):v1")
            _ = try await fixture.transit.rotate(name: fixture.keyName)
            let status = try await client.status(V2_StatusRequest())
            #expect(status.keyID == "\(fixture.keyName):v2" && status.healthz == "ok")
            let new = try await client.encrypt(V2_EncryptRequest(seed))
            #expect(new.keyID == status.keyID)
            #expect(String(decoding: new.ciphertext, as: UTF8.self).hasPrefix("vault:v2:"))
            #expect(Array(try await client.decrypt(V2_DecryptRequest(old.ciphertext)).plaintext) == seed)
            #expect(Array(try await client.decrypt(V2_DecryptRequest(new.ciphertext)).plaintext) == seed)
            #expect(fixture.audit.calls.contains { $0.method == .decrypt && $0.keyVersion == 1 && $0.status == "OK" })
        }
    }

    @Test("bad input: tampered or malformed ciphertext and oversized values are INVALID_ARGUMENT, an unknown version NOT_FOUND")
    func badInput() async throws {
        try await KMSFixture.with { client, fixture in
            let encrypted = try await client.encrypt(V2_EncryptRequest(Array(repeating: 1, count: 32)))
            let text = String(decoding: encrypted.ciphertext, as: UTF8.self)
            let parsed = try TransitCiphertext(parsing: text)
            var flipped = parsed.bytes
            flipped[flipped.count / 2] ^= 0x01
            let tampered = TransitCiphertext(version: 1, bytes: flipped).string
            #expect(await rpcCode { _ = try await client.decrypt(V2_DecryptRequest(Data(tampered.utf8))) } == .invalidArgument)
            let unknown = TransitCiphertext(version: 99, bytes: parsed.bytes).string
            #expect(await rpcCode { _ = try await client.decrypt(V2_DecryptRequest(Data(unknown.utf8))) } == .notFound)
            for garbage in [
                Data(), Data("not a ciphertext".utf8), Data([0xff, 0xfe, 0x00]), Data("ssm:v1:".utf8), Data("ssm:v1:AAAA".utf8),
            ] {
                #expect(
                    await rpcCode { _ = try await client.decrypt(V2_DecryptRequest(garbage)) } == .invalidArgument, "\(garbage)")
            }
            let huge = Data(repeating: 0x41, count: KMSLimits.maxCiphertextBytes + 1)
            #expect(await rpcCode { _ = try await client.decrypt(V2_DecryptRequest(huge)) } == .invalidArgument)
            #expect(await rpcCode { _ = try await client.encrypt(V2_EncryptRequest([])) } == .invalidArgument)
            let large = [UInt8](repeating: 0, count: KMSLimits.maxPlaintextBytes + 1)
            #expect(await rpcCode { _ = try await client.encrypt(V2_EncryptRequest(large)) } == .invalidArgument)
            let tamperedRecord = fixture.audit.calls.first { $0.method == .decrypt && $0.status == "INVALID_ARGUMENT" }
            #expect(tamperedRecord?.keyVersion == 1 && tamperedRecord?.httpStatus == 400)
            #expect(fixture.audit.calls.contains { $0.status == "NOT_FOUND" && $0.keyVersion == 99 && $0.httpStatus == 404 })
        }
    }

    @Test("the audit log decides: refused while it cannot be written, INTERNAL when a record fails; Status still answers why")
    func auditFailures() async throws {
        try await KMSFixture.with { client, fixture in
            fixture.audit.set(accepts: false)
            #expect(await rpcCode { _ = try await client.encrypt(V2_EncryptRequest([1])) } == .unavailable)
            let status = try await client.status(V2_StatusRequest())
            #expect(status.healthz == "the audit log cannot be written")
            #expect(status.keyID == "\(fixture.keyName):v1")
            fixture.audit.set(fails: true)
            #expect(await rpcCode { _ = try await client.encrypt(V2_EncryptRequest([1])) } == .internalError)
            #expect(try await client.status(V2_StatusRequest()).healthz == "ok")
            fixture.audit.set()
            #expect(try await client.encrypt(V2_EncryptRequest([1])).keyID == status.keyID)
        }
    }

    @Test("64 concurrent callers all round-trip")
    func concurrentCallers() async throws {
        try await KMSFixture.with { client, _ in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for caller in 0..<64 {
                    group.addTask {
                        let seed = (0..<32).map { UInt8(truncatingIfNeeded: $0 &+ caller) }
                        for _ in 0..<4 {
                            let encrypted = try await client.encrypt(V2_EncryptRequest(seed))
                            guard Array(try await client.decrypt(V2_DecryptRequest(encrypted.ciphertext)).plaintext) == seed
                            else {
                                return false
                            }
                        }
                        return true
                    }
                }
                var results: [Bool] = []
                for try await result in group { results.append(result) }
                #expect(results.count == 64 && results.allSatisfy { $0 })
            }
        }
    }
}
