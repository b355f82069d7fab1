import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PKCS11
import SSMCore
import SessionPool
import SoftHSMTestSupport
import Synchronization
import Testing

/// Faults, overload and restarts (issue 6): every request answers in bounded time, ssm
/// recovers by itself, nothing leaks.
///
/// These tests measure response times, so `scripts/test.sh` runs them in a process of their
/// own, after the rest of the suite, with nothing else loading the machine.
@Suite("Resilience: HSM faults and overload", .serialized, .timeLimit(.minutes(2)))
struct ResilienceTests {
    let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// One request's outcome, in seconds since the test's start.
    struct Outcome: Sendable {
        var start: Double
        var end: Double
        var succeeded: Bool
    }

    @Test("device removed under load and restored: failures are immediate, the first success comes within 1 s, sessions return to the pool's size")
    func deviceRemovedUnderLoad() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()
        let token = try SoftHSMToken.shared()
        let hsm = try await HSM.connect(
            HSMConfiguration(
                modulePath: fault.libraryPath, token: .label(token.label), pin: token.pinBytes,
                pool: PoolConfiguration(maxSize: 4, minSize: 2, acquireTimeout: .seconds(3)),
                recovery: RecoveryConfiguration(retryInterval: .milliseconds(50), maxRetryInterval: .milliseconds(250))),
            logger: logger)
        fault.releaseLoads()  // the HSM is the module's only holder: recovery re-initialises it
        try await hsm.prewarm()
        let keys = KeyService(hsm: hsm, logger: logger)
        let label = uniqueLabel("removed")
        _ = try await keys.generate(.aes(bits: 256), label: label, id: nil)

        let origin = ContinuousClock.now
        let seconds: @Sendable () -> Double = {
            let elapsed = origin.duration(to: .now).components
            return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        }
        let unexpected = Errors()
        // The device is gone from 0.3 s to 1.3 s after the rules are read (at once, under load).
        try fault.setRules("* CKR_DEVICE_REMOVED from_ms=300 until_ms=1300\n")
        let restored = 1.3
        let recovered = Flag()
        let outcomes = await withTaskGroup(of: [Outcome].self) { group in
            for _ in 0..<6 {
                group.addTask {
                    var outcomes: [Outcome] = []
                    // Until a success after the restore (at most 10 s), and at least 2.6 s.
                    while seconds() < 2.6 || (!recovered.isSet && seconds() < 10) {
                        let start = seconds()
                        do {
                            _ = try await keys.encrypt(label: label, algorithm: .aes256GCM, plaintext: Array("x".utf8))
                            let end = seconds()
                            if end >= restored { recovered.set() }
                            outcomes.append(Outcome(start: start, end: end, succeeded: true))
                        } catch {
                            switch error {
                            case is HSMUnavailableError: break
                            case let error as PKCS11Error where error.errorClass == .deviceLost: break
                            default: unexpected.append(error)
                            }
                            outcomes.append(Outcome(start: start, end: seconds(), succeeded: false))
                            try? await Task.sleep(for: .milliseconds(5))  // a client backing off a little
                        }
                    }
                    return outcomes
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(unexpected.all.isEmpty, "\(unexpected.all)")
        let failures = outcomes.filter { !$0.succeeded }
        #expect(!failures.isEmpty)
        // No request hangs: none takes even as long as acquireTimeout.
        #expect(outcomes.map { $0.end - $0.start }.max() ?? 0 < 3)
        let firstSuccess = outcomes.filter { $0.succeeded && $0.end >= restored }.map(\.end).min()
        #expect(
            firstSuccess != nil && firstSuccess! - restored <= 1.0,
            "first success at \(String(describing: firstSuccess)) s; breaker \(hsm.circuit())")
        let circuit = hsm.circuit()
        #expect(circuit.state == .closed && circuit.trips >= 1 && circuit.recoveries >= 1)
        #expect(await hsm.isReady())
        // Open sessions: the pool's, plus the anchor.
        try fault.setRules("")
        let settled = await eventually {
            let open = try? fault.openSessions()
            return open == hsm.statistics().currentSize + 1 && hsm.statistics().currentSize >= 2
        }
        #expect(settled, "open \(String(describing: try? fault.openSessions())), pool \(hsm.statistics())")
        await hsm.shutdown()
        #expect(try fault.openSessions() == 0)
    }

    @Test("2,000 concurrent requests against maxSize 4: each is answered 200 or 503, and the pool ends idle")
    func twoThousandConcurrentRequests() async throws {
        let pool = PoolConfiguration(maxSize: 4, minSize: 0, acquireTimeout: .seconds(3), maxWaiters: 1024)
        try await withTestApp(pool: pool) { client, _ in
            let label = uniqueLabel("flood")
            #expect(try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 256]).status == .created)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<2000 {
                    group.addTask {
                        try await client.send(
                            .post, "/encrypt-pool", ["key_label": label, "plain": "00ff", "encryption_algorithm": 5]
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.count == 2000)
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .serviceUnavailable })
            #expect(statuses.contains(.ok))
            let stats = try await client.send(.get, "/pool/stats")
            #expect(stats.body.int("in_use") == 0 && stats.body.int("waiters") == 0)
            #expect((stats.body.int("current_size") ?? 99) <= 4)
        }
    }

    @Test("a full queue is refused at once with 503 and Retry-After")
    func fullQueueIsRefused() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()
        // Every encryption takes 300 ms: one session, one waiter allowed.
        try fault.setRules("C_Encrypt OK delay_ms=300\n")
        let pool = PoolConfiguration(maxSize: 1, minSize: 0, acquireTimeout: .seconds(10), maxWaiters: 1)
        try await withTestApp(pool: pool, module: fault.libraryPath) { client, _ in
            let label = uniqueLabel("queue")
            #expect(try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 256]).status == .created)
            let body: [String: any Sendable] = ["key_label": label, "plain": "00", "encryption_algorithm": 5]
            async let first = client.send(.post, "/encrypt-pool", body)
            async let second = client.send(.post, "/encrypt-pool", body)
            #expect(await eventually { (try? await client.send(.get, "/pool/stats").body.int("waiters")) == 1 })
            let start = ContinuousClock.now
            let refused = try await client.send(.post, "/encrypt-pool", body)
            #expect(start.duration(to: .now) < .milliseconds(250))
            expectProblem(refused, .serviceUnavailable, "POOL_QUEUE_FULL")
            #expect(refused.headers[.retryAfter] == "1")
            #expect(try await first.status == .ok)
            #expect(try await second.status == .ok)
            #expect(try await client.send(.get, "/pool/stats").body.int("rejected") == 1)
        }
    }

    @Test("a 50 ms-per-call HSM does not delay /health-check or /pool/stats")
    func slowHSMDoesNotDelaySystemRoutes() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()
        let pool = PoolConfiguration(maxSize: 4, minSize: 0, acquireTimeout: .seconds(30))
        let control = fault.control
        try await withTestApp(pool: pool, module: fault.libraryPath) { client, hsm in
            let label = uniqueLabel("slow")
            #expect(try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 256]).status == .created)
            try control.setRules("* OK delay_ms=50\n")
            let body: [String: any Sendable] = ["key_label": label, "plain": "00", "encryption_algorithm": 5]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let status = try await client.send(.post, "/encrypt-pool", body).status
                        #expect(status == .ok)
                    }
                }
                #expect(await eventually { hsm.statistics().inUse > 0 })
                for _ in 0..<5 {
                    for path in ["/health-check", "/pool/stats"] {
                        let start = ContinuousClock.now
                        #expect(try await client.send(.get, path).status == .ok)
                        let elapsed = start.duration(to: .now)
                        #expect(elapsed < .milliseconds(50), "\(path) took \(elapsed) while the HSM was busy")
                    }
                }
                try await group.waitForAll()
            }
            try control.setRules("")
        }
    }

    @Test("while the HSM is lost, requests get 503 HSM_UNAVAILABLE with Retry-After at once, and /ready says not ready")
    func openCircuitFailsFast() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()
        let pool = PoolConfiguration(maxSize: 2, minSize: 0, acquireTimeout: .seconds(10))
        let control = fault.control
        try await withTestApp(pool: pool, module: fault.libraryPath) { client, hsm in
            let label = uniqueLabel("down")
            #expect(try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 256]).status == .created)
            try control.setRules("* CKR_DEVICE_REMOVED\n")
            let body: [String: any Sendable] = ["key_label": label, "plain": "00", "encryption_algorithm": 5]
            expectProblem(try await client.send(.post, "/encrypt-pool", body), .serviceUnavailable, "HSM_UNAVAILABLE")
            for _ in 0..<3 {
                let start = ContinuousClock.now
                let response = try await client.send(.post, "/encrypt-pool", body)
                #expect(start.duration(to: .now) < .milliseconds(250))
                expectProblem(response, .serviceUnavailable, "HSM_UNAVAILABLE")
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
            }
            expectProblem(try await client.send(.get, "/ready"), .serviceUnavailable, "NOT_READY")
            let stats = try await client.send(.get, "/pool/stats")
            let circuit = try #require(stats.body.object("circuit"))
            #expect(["open", "half-open"].contains(circuit.string("state")))
            #expect(circuit.int("trips") == 1)
            #expect(circuit.string("last_error")?.contains("CKR_DEVICE_REMOVED") == true)
            // The HSM comes back: the breaker closes by itself.
            try control.setRules("")
            #expect(await eventually { hsm.circuit().state == .closed })
            #expect(try await client.send(.post, "/encrypt-pool", body).status == .ok)
            #expect(try await client.send(.get, "/ready").status == .ok)
        }
    }

    @Test("a health check notices a lost device before a request does")
    func healthChecks() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()
        let token = try SoftHSMToken.shared()
        let hsm = try await HSM.connect(
            HSMConfiguration(
                modulePath: fault.libraryPath, token: .label(token.label), pin: token.pinBytes,
                pool: PoolConfiguration(maxSize: 2, minSize: 1)),
            logger: logger)
        fault.releaseLoads()
        // The device fails the check: the breaker opens and ssm reconnects. (A lost login: see
        // LoginChangeTests, on a token of its own, since a logout is process-wide.)
        try fault.setRules("C_GetSessionInfo CKR_DEVICE_ERROR count=1\n")
        await hsm.checkHealth()
        #expect(hsm.circuit().trips == 1)
        #expect(await eventually { hsm.circuit().state == .closed })
        #expect(hsm.circuit().recoveries == 1)
        #expect(try await hsm.withSession { try $0.generateRandom(count: 4) }.count == 4)
        await hsm.shutdown()
        #expect(try fault.openSessions() == 0)
    }
}

/// Errors collected from concurrent tasks.
final class Errors: Sendable {
    private let items = Mutex<[String]>([])

    func append(_ error: any Error) { items.withLock { $0.append("\(error)") } }
    var all: [String] { items.withLock { $0 } }
}

/// Polls an async `condition` every 5 ms until it holds or `timeout` passes.
func eventually(within timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}
