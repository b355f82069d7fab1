import Foundation
import Logging
import PKCS11
import SSMCore
import SSMServer
import SessionPool
import SoftHSMTestSupport
import Synchronization
import Testing

/// Logins that change: SIGHUP reloads (``ConfigurationReloader``) change the pool size and the
/// PIN under load without a failed request, a refused PIN or a broken file changes nothing, and
/// a lost login is restored. On a token of their own: a logout is process-wide.
@Suite("Login changes and configuration reload", .serialized, .timeLimit(.minutes(2)))
struct LoginChangeTests {
    let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })

    func configuration(pin: String, maxSize: Int) throws -> AppConfiguration {
        let token = try SoftHSMToken.shared()
        return AppConfiguration(
            hsm: HSMConfiguration(
                modulePath: token.modulePath, token: .label(token.pinChangeLabel), pin: Array(pin.utf8),
                pool: PoolConfiguration(maxSize: maxSize, minSize: 1, acquireTimeout: .seconds(10))),
            logLevel: .info)
    }

    @Test("SIGHUP changes the pool size and the PIN under load; every request succeeds; a wrong PIN or file changes nothing")
    func reloadUnderLoad() async throws {
        let started = try configuration(pin: "1234", maxSize: 2)
        let hsm = try await HSM.connect(started.hsm, logger: logger)
        let keys = KeyService(hsm: hsm, logger: logger)
        let label = uniqueLabel("reload")
        _ = try await keys.generate(.aes(bits: 256), label: label, id: nil)
        let next = Next(try configuration(pin: "1234", maxSize: 2))
        let level = LogLevelControl(.info)
        let reloader = ConfigurationReloader(hsm: hsm, started: started, logLevel: level, logger: logger) {
            try next.value()
        }

        let failures = Errors()
        let stop = Flag()
        let load = Task {
            await withTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var count = 0
                        while !stop.isSet {
                            do {
                                _ = try await keys.encrypt(label: label, algorithm: .aes256GCM, plaintext: [1, 2, 3])
                                count += 1
                            } catch {
                                failures.append(error)
                            }
                        }
                        return count
                    }
                }
                return await group.reduce(0, +)
            }
        }

        // The token's PIN changes (C_SetPIN on a logged-in session), then the configuration.
        try await hsm.withSession(idempotent: false) { session in
            try session.setPIN(old: Array("1234".utf8), new: Array("5678".utf8))
        }
        next.set(try configuration(pin: "5678", maxSize: 6), logLevel: .debug)
        let outcome = await reloader.reload()
        // The thread pool follows pool.maxSize when pkcs11.threads is not set, and keeps its size.
        #expect(outcome == .applied(needsRestart: ["pkcs11.threads"]))
        #expect(hsm.statistics().maxSize == 6)
        #expect(level.level == .debug)

        // A PIN the token refuses: nothing changes, requests go on.
        next.set(try configuration(pin: "0000", maxSize: 3))
        guard case .failed(let reason) = await reloader.reload() else {
            Issue.record("a wrong PIN must fail the reload")
            return
        }
        #expect(reason.contains("CKR_PIN_INCORRECT") && !reason.contains("0000"))
        #expect(hsm.statistics().maxSize == 6)
        #expect(await hsm.isReady())

        // A file that cannot be read: nothing changes.
        next.fail()
        guard case .failed = await reloader.reload() else {
            Issue.record("an unreadable configuration must fail the reload")
            return
        }

        stop.set()
        let served = await load.value
        #expect(served > 0)
        #expect(failures.all.isEmpty, "\(failures.all)")

        // The new PIN is the one ssm logs in with from now on.
        try await hsm.withSession { session in try session.logout() }
        #expect(try await keys.encrypt(label: label, algorithm: .aes256GCM, plaintext: [4]).ciphertext.count > 0)
        #expect(await hsm.isReady())
        try await hsm.withSession(idempotent: false) { session in
            try session.setPIN(old: Array("5678".utf8), new: Array("1234".utf8))
        }
        await hsm.shutdown()
    }
}

extension LoginChangeTests {
    @Test("a health check logs in again after the token forgot the login; a request does too")
    func lostLogin() async throws {
        let hsm = try await HSM.connect(try configuration(pin: "1234", maxSize: 2).hsm, logger: logger)
        let keys = KeyService(hsm: hsm, logger: logger)
        let label = uniqueLabel("login")
        _ = try await keys.generate(.aes(bits: 128), label: label, id: nil)
        try await hsm.withSession { session in try session.logout() }
        #expect(await !hsm.isReady())
        await hsm.checkHealth()
        #expect(await hsm.isReady())
        #expect(hsm.circuit().trips == 0)
        // Logged out again: a request finds no key, sees why, logs in and succeeds (not a 404).
        try await hsm.withSession { session in try session.logout() }
        #expect(try await keys.keys(label: label).count == 1)
        #expect(await hsm.isReady())
        await hsm.shutdown()
    }
}

/// The configuration the next reload reads.
final class Next: Sendable {
    private let state: Mutex<AppConfiguration?>

    init(_ configuration: AppConfiguration) {
        state = Mutex(configuration)
    }

    func set(_ configuration: AppConfiguration, logLevel: Logger.Level = .info) {
        var configuration = configuration
        configuration.logLevel = logLevel
        state.withLock { $0 = configuration }
    }

    func fail() {
        state.withLock { $0 = nil }
    }

    func value() throws -> AppConfiguration {
        guard let configuration = state.withLock({ $0 }) else {
            throw ConfigurationError(key: "--config", "cannot read 'ssm.yaml'")
        }
        return configuration
    }
}

/// A flag set once.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
