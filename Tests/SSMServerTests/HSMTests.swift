import Foundation
import Logging
import PKCS11
import SSMCore
import SessionPool
import SoftHSMTestSupport
import Synchronization
import Testing

@Suite("HSM connection and its session pool against SoftHSM")
struct HSMTests {
    let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })

    func connect(pool: PoolConfiguration, pin: String? = nil, token: TokenSelector? = nil, module: String? = nil) async throws -> HSM {
        let fixture = try SoftHSMToken.shared()
        return try await HSM.connect(
            HSMConfiguration(
                modulePath: module ?? fixture.modulePath, token: token ?? .label(fixture.label),
                pin: Array((pin ?? fixture.pin).utf8), pool: pool),
            logger: logger)
    }

    @Test("200 concurrent borrowers doing real encryptions never exceed maxSize")
    func concurrentRealUse() async throws {
        let hsm = try await connect(pool: PoolConfiguration(maxSize: 3, minSize: 1, acquireTimeout: .seconds(30)))
        let keys = KeyService(hsm: hsm, logger: logger)
        let label = "pool-\(UUID().uuidString.prefix(8))"
        _ = try await keys.generate(.aes(bits: 256), label: label, id: nil)
        let plaintexts = (0..<200).map { Array("message \($0)".utf8) }
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for plaintext in plaintexts {
                group.addTask {
                    let sealed = try await keys.encrypt(label: label, algorithm: .aes256GCM, plaintext: plaintext)
                    let opened = try await keys.decrypt(
                        label: label, id: sealed.keyID, algorithm: .aes256GCM, ciphertext: sealed.ciphertext, iv: sealed.iv,
                        tag: sealed.tag)
                    return opened == plaintext
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 200 && results.allSatisfy { $0 })
        let stats = hsm.statistics()
        #expect(stats.maxSize == 3)
        #expect(stats.created <= 3)
        #expect(stats.currentSize <= 3 && stats.inUse == 0)
        #expect(stats.acquired >= 400)
        await hsm.shutdown()
    }

    @Test("a lost session is closed, not reused; a repeatable operation is retried once on another session or after logging in again")
    func lostSessionIsDroppedAndRetried() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()  // with its environment; HSM.connect then shares the instance
        let hsm = try await connect(pool: PoolConfiguration(maxSize: 2, minSize: 0), module: fault.libraryPath)

        try fault.setRules("C_GenerateRandom CKR_SESSION_HANDLE_INVALID count=1\n")
        let bytes = try await hsm.withSession { session in try session.generateRandom(count: 8) }
        #expect(bytes.count == 8)
        var stats = hsm.statistics()
        #expect(stats.closed == 1 && stats.created == 2 && stats.currentSize == 1)

        // Not for operations that are not safe to repeat.
        try fault.setRules("C_GenerateRandom CKR_SESSION_CLOSED count=1\n")
        do {
            _ = try await hsm.withSession(idempotent: false) { session in try session.generateRandom(count: 8) }
            Issue.record("expected CKR_SESSION_CLOSED")
        } catch let error as PKCS11Error {
            #expect(error.returnValue == .sessionClosed && error.errorClass == .sessionLost)
        }
        stats = hsm.statistics()
        #expect(stats.closed == 2 && stats.currentSize == 0)

        // A forgotten login: log in again and repeat, without closing the session.
        try fault.setRules("C_GenerateRandom CKR_USER_NOT_LOGGED_IN count=1\n")
        #expect(try await hsm.withSession { session in try session.generateRandom(count: 4) }.count == 4)
        #expect(hsm.statistics().closed == 2)
        #expect(await hsm.isReady())

        // Any other error neither closes the session nor repeats the operation.
        try fault.setRules("C_GenerateRandom CKR_ARGUMENTS_BAD count=1\n")
        await #expect(throws: PKCS11Error.self) {
            try await hsm.withSession { session in try session.generateRandom(count: 8) }
        }
        #expect(hsm.statistics().closed == 2 && hsm.statistics().available == 1)

        await hsm.shutdown()
        #expect(try fault.openSessions() == 0)  // pool and anchor: nothing leaked
    }

    @Test("ready while logged in; statistics and shutdown close every session")
    func readinessAndShutdown() async throws {
        let hsm = try await connect(pool: PoolConfiguration(maxSize: 4, minSize: 2))
        #expect(await hsm.isReady())
        try await hsm.prewarm()
        #expect(hsm.statistics().currentSize == 2)
        await hsm.shutdown()
        #expect(hsm.statistics().currentSize == 0)
        await #expect(throws: PoolError.shutdown) {
            try await hsm.withSession { _ in 1 }
        }
    }

    @Test("start-up errors name their cause: wrong PIN, unknown token, wrong module path")
    func startupErrors() async throws {
        let fixture = try SoftHSMToken.shared()
        let pool = PoolConfiguration(maxSize: 1, minSize: 0)
        do {
            _ = try await connect(pool: pool, pin: "0000", token: .label(fixture.wrongPinLabel))
            Issue.record("expected CKR_PIN_INCORRECT")
        } catch let error as PKCS11Error {
            #expect(error.returnValue == .pinIncorrect)
            #expect(!"\(error)".contains("0000"))
        }
        do {
            _ = try await connect(pool: pool, token: .label("no-such-token"))
            Issue.record("expected tokenNotFound")
        } catch {
            #expect("\(error)".contains("no-such-token") && "\(error)".contains(fixture.label))
        }
        do {
            _ = try await connect(pool: pool, module: "/nonexistent/libpkcs11.so")
            Issue.record("expected loadFailed")
        } catch {
            #expect("\(error)".contains("/nonexistent/libpkcs11.so"))
        }
    }
}
