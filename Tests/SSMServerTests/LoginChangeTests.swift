import Foundation
import HTTPTypes
import Logging
import SSMCore
import SSMServer
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
        let served = Counter()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        while !stop.isSet {
                            do {
                                _ = try await keys.encrypt(label: label, algorithm: .aes256GCM, plaintext: [1, 2, 3])
                                served.increment()
                            } catch {
                                failures.append(error)
                            }
                        }
                    }
                }
            }
        }
        // Waits (30 s at most) until the load has served more than `count` requests.
        @Sendable func loadServed(moreThan count: Int) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(30)
            while served.value <= count {
                guard ContinuousClock.now < deadline else { return false }
                try await Task.sleep(for: .milliseconds(5))
            }
            return true
        }
        // The changes below happen under load: wait for it to have started.
        #expect(try await loadServed(moreThan: 0))

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

        #expect(try await loadServed(moreThan: served.value))  // and goes on after them
        stop.set()
        await load.value
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
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

extension LoginChangeTests {
    @Test("a PIN the token refuses is tried once per token, not in the reconnect loop; a new PIN (SIGHUP) logs in; /ready, /pool/stats and /metrics say why")
    func refusedPINIsNotRetried() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()
        let token = try SoftHSMToken.shared()
        let control = fault.control
        try await withTestApp(
            pool: PoolConfiguration(maxSize: 2, minSize: 0, acquireTimeout: .seconds(5)), module: fault.libraryPath,
            token: (token.pinChangeLabel, "1234"),
            recovery: RecoveryConfiguration(retryInterval: .milliseconds(20), maxRetryInterval: .milliseconds(50)),
            afterConnect: { fault.releaseLoads() }  // the HSM alone holds the module: recovery re-initialises it
        ) { client, hsm in
            // The token's PIN changes underneath ssm; then the device is lost and comes back.
            try await hsm.withSession(idempotent: false) { session in
                try session.setPIN(old: Array("1234".utf8), new: Array("5678".utf8))
            }
            let before = try control.calls("C_Login")
            try control.setRules("C_GetSessionInfo CKR_DEVICE_ERROR count=1\n")
            await hsm.checkHealth()
            #expect(hsm.circuit().trips == 1)
            #expect(await eventually { hsm.loginStatus().waitingForPIN })
            // The reconnection goes on probing the device, but never offers the refused PIN again.
            let probes = hsm.circuit().failedProbes
            #expect(await eventually { hsm.circuit().failedProbes >= probes + 5 })
            #expect(try control.calls("C_Login") - before == 1)
            #expect(hsm.loginStatus() == LoginStatus(waitingForPIN: true, refusals: 1, lastRefusal: "CKR_PIN_INCORRECT"))

            let ready = try await client.send(.get, "/ready")
            expectProblem(ready, .serviceUnavailable, "NOT_READY")
            #expect(ready.body.string("detail")?.contains("CKR_PIN_INCORRECT") == true)
            let stats = try #require(try await client.send(.get, "/pool/stats").body.object("login"))
            #expect(stats["waiting_for_pin"] as? Bool == true)
            #expect(stats.int("refusals") == 1 && stats.string("last_refusal") == "CKR_PIN_INCORRECT")
            var metrics = try await MetricsTests.scrape(client)
            #expect(metrics.value("ssm_hsm_login_waiting_for_pin") == 1)
            #expect(metrics.value("ssm_hsm_login_refusals_total") == 1)

            // A reload with the same PIN tries nothing; a mistyped one is tried once, then
            // neither is tried again.
            try await hsm.changePIN(Array("1234".utf8))
            try await hsm.changePIN(Array("9999".utf8))
            #expect(await eventually { hsm.loginStatus().refusals == 2 })
            let later = hsm.circuit().failedProbes
            #expect(await eventually { hsm.circuit().failedProbes >= later + 5 })
            #expect(try control.calls("C_Login") - before == 2)
            #expect(hsm.loginStatus().waitingForPIN)

            // The right PIN (SIGHUP with the new PIN file): one login, and ssm is back.
            try await hsm.changePIN(Array("5678".utf8))
            #expect(await eventually { hsm.circuit().state == .closed })
            #expect(try control.calls("C_Login") - before == 3)
            #expect(try await client.send(.get, "/ready").status == .ok)
            #expect(hsm.loginStatus() == LoginStatus(waitingForPIN: false, refusals: 2, lastRefusal: "CKR_PIN_INCORRECT"))
            metrics = try await MetricsTests.scrape(client)
            #expect(metrics.value("ssm_hsm_login_waiting_for_pin") == 0)
            #expect(metrics.value("ssm_hsm_login_refusals_total") == 2)

            // While connected, a refused new PIN falls back to the last one that worked, and
            // is not tried again by a second reload.
            await #expect(throws: (any Error).self) { try await hsm.changePIN(Array("0000".utf8)) }
            await #expect(throws: (any Error).self) { try await hsm.changePIN(Array("0000".utf8)) }
            #expect(try control.calls("C_Login") - before == 5)  // "0000", then "5678" again
            #expect(await hsm.isReady())
            try await hsm.withSession(idempotent: false) { session in
                try session.setPIN(old: Array("5678".utf8), new: Array("1234".utf8))
            }
        }
    }
}
