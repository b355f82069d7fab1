import Foundation
import PKCS11
import SoftHSMTestSupport
import Testing

/// Runs `body(0..<count)` on `count` threads of their own and collects the results. PKCS#11
/// calls block their thread: run on Swift's cooperative pool (two threads here), a long burst
/// of them would starve every other test of the process.
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) async throws -> [T] {
    try await withThrowingTaskGroup(of: T.self) { group in
        for index in 0..<count {
            group.addTask { try await onOwnThread { try body(index) } }
        }
        return try await group.reduce(into: []) { $0.append($1) }
    }
}

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
        let completed = try await onThreads(tasks) { _ in
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
        }.reduce(0, +)
        #expect(completed == tasks * roundTrips)
    }

    @Test("keys created, searched and destroyed from 8 sessions at once never fail spuriously")
    func parallelKeyChanges() async throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }
        let slot = try token.tokenInfo().slot
        let prefix = uniqueLabel("churn")
        let created = try await onThreads(8) { task in
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
        }.reduce(0, +)
        #expect(created == 8 * 20)
    }
}
