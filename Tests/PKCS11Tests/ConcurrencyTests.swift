import PKCS11
import SoftHSMTestSupport
import Testing

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("8 tasks, each with its own session, do 200 GCM round-trips at once")
    func parallelSessions() async throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }
        let slot = try token.tokenInfo().slot
        let label = uniqueLabel("parallel")
        let key = try token.withLoggedInSession { session in
            try session.generateKey(.aes(bits: 256), label: label, id: uniqueKeyID())
        }
        defer { _ = try? token.withLoggedInSession { session in try session.destroyObject(key) } }

        let tasks = 8
        let roundTrips = 200
        let completed = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    let handle = try module.openSession(slot: slot)
                    defer { try? handle.close() }
                    let session = Session(handle)
                    try session.login(pin: token.pinBytes)
                    var succeeded = 0
                    for round in 0..<roundTrips {
                        let plaintext = randomBytes(round % 97)
                        let mechanism = Mechanism.aesGCM(iv: randomBytes(12), aad: [UInt8(round & 0xff)])
                        let sealed = try session.encrypt(mechanism, key: key, data: plaintext)
                        if try session.decrypt(mechanism, key: key, data: sealed) == plaintext {
                            succeeded += 1
                        }
                    }
                    return succeeded
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(completed == tasks * roundTrips)
    }

    @Test("keys created, searched and destroyed from 8 sessions at once never fail spuriously")
    func parallelKeyChanges() async throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }
        let slot = try token.tokenInfo().slot
        let prefix = uniqueLabel("churn")
        let created = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let handle = try module.openSession(slot: slot)
                    defer { try? handle.close() }
                    let session = Session(handle)
                    var found = 0
                    for round in 0..<20 {
                        let label = "\(prefix)-\(task)-\(round)"
                        let key = try session.generateKey(.aes(bits: 128), label: label, id: KeyID(Int32(round)))
                        found += try session.findSecretKeys(label: label).count
                        try session.destroyObject(key)
                    }
                    return found
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(created == 8 * 20)
    }
}
