import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SSMCore
@testable import SSMServer
import Testing

/// `POST /login` as an attacker uses it: many wrong passwords at once, unknown ids, a flood.
@Suite("Login throttling and bounded password checks")
struct LoginThrottleTests {
    static let password = "correct horse battery staple"

    static func security(label: String, maxConcurrent: Int = 1, maxQueued: Int = 64) -> SecurityConfiguration {
        var security = SecurityConfiguration()
        let rules = [Client.Rule(operations: [.stats], keys: [Glob("*")])]
        security.clients = ClientRegistry([
            Client(id: "udm", passwordHash: Credentials.hashPassword(password, cost: 4), rules: rules),
            Client(id: "webconsole", passwordHash: Credentials.hashPassword(password, cost: 4), rules: rules),
        ])
        security.login.keyLabel = label
        security.login.maxConcurrent = maxConcurrent
        security.login.maxQueued = maxQueued
        return security
    }

    @Test(
        "32 concurrent wrong passwords: failureBurst are checked, the rest get 429 with Retry-After; another client still logs in"
    )
    func concurrentWrongPasswords() async throws {
        let security = Self.security(label: uniqueLabel("jwt"))
        let burst = security.login.failureBurst
        try await withTestApp { _, hsm in
            let jwt = try await LoginTests.service(hsm, security.login)
            try await withTestApp(security: security, jwt: jwt) { client, _ in
                let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                    for attempt in 0..<32 {
                        group.addTask {
                            let response = try await client.send(
                                .post, "/login", ["service_id": "udm", "password": "guess-\(attempt)"])
                            return (response.status, response.headers[.retryAfter])
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.filter { $0.0 == .unauthorized }.count == burst)
                let throttled = answers.filter { $0.0 == .tooManyRequests }
                #expect(throttled.count == 32 - burst)
                #expect(throttled.allSatisfy { ($0.1.flatMap { Int($0) } ?? 0) >= 1 })
                // The right password for udm now waits too (its id is throttled) ...
                let locked = try await client.send(.post, "/login", ["service_id": "udm", "password": Self.password])
                expectProblem(locked, .tooManyRequests, "LOGIN_THROTTLED")
                // ... but another client logs in from the same address.
                let other = try await client.send(.post, "/login", ["service_id": "webconsole", "password": Self.password])
                #expect(other.status == .ok)
            }
        }
    }

    @Test("an unknown id is answered like a known one: 401 after the same bcrypt work, then 429")
    func unknownID() async throws {
        let security = Self.security(label: uniqueLabel("jwt"))
        try await withTestApp { _, hsm in
            let jwt = try await LoginTests.service(hsm, security.login)
            // The decoy hash checked for unknown ids has the configured cost.
            let controller = LoginController(clients: security.clients, jwt: jwt, bodyLimit: 1 << 20)
            #expect(Credentials.cost(ofPasswordHash: controller.decoy) == 4)
            try await withTestApp(security: security, jwt: jwt) { client, _ in
                for _ in 0..<security.login.failureBurst {
                    let response = try await client.send(.post, "/login", ["service_id": "nobody", "password": Self.password])
                    expectProblem(response, .unauthorized, "UNAUTHORIZED")
                }
                let throttled = try await client.send(.post, "/login", ["service_id": "nobody", "password": Self.password])
                expectProblem(throttled, .tooManyRequests, "LOGIN_THROTTLED")
                #expect(throttled.headers[.retryAfter] != nil)
            }
        }
    }

    @Test("a successful login gives its tokens back; failures per address are limited too")
    func throttleBuckets() {
        var settings = LoginSettings()
        settings.failureBurst = 2
        settings.failuresPerMinute = 1
        let throttle = LoginThrottle(settings)
        let now = ContinuousClock.now
        let udm = LoginThrottle.Attempt(clientID: "udm", address: "10.0.0.1")
        for _ in 0..<5 {
            #expect(throttle.begin(udm, now: now) == nil)
            throttle.refund(udm)  // succeeded
        }
        #expect(throttle.begin(udm, now: now) == nil)
        #expect(throttle.begin(udm, now: now) == nil)
        #expect(throttle.begin(udm, now: now) == 60)  // one more failure per minute
        #expect(throttle.begin(udm, now: now + .seconds(60)) == nil)
        // One address guessing many ids meets the address's limit (4 × burst).
        var blocked = 0
        for id in 0..<20 where throttle.begin(.init(clientID: "id-\(id)", address: "10.0.0.2"), now: now) != nil { blocked += 1 }
        #expect(blocked == 20 - 4 * settings.failureBurst)
        // IPv6: one bucket per /64.
        #expect(LoginThrottle.Attempt.network(of: "2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64")
        #expect(LoginThrottle.Attempt.network(of: "2001:db8::1") == "2001:db8:0:0::/64")
        #expect(LoginThrottle.Attempt.network(of: "::ffff:10.0.0.3") == "10.0.0.3")
        #expect(LoginThrottle.Attempt.network(of: "10.0.0.3") == "10.0.0.3")
        let v6 = (0..<20).map { LoginThrottle.Attempt(clientID: "v6-\($0)", address: "2001:db8:7:7::\($0 + 1)") }
        #expect(v6.filter { throttle.begin($0, now: now) != nil }.count == 20 - 4 * settings.failureBurst)
        settings.failuresPerMinute = 0
        let off = LoginThrottle(settings)
        for _ in 0..<100 { #expect(off.begin(udm, now: now) == nil) }
    }

    @Test("password checks: at most maxConcurrent run, maxQueued wait, the next is refused at once")
    func boundedChecks() async throws {
        let limiter = PasswordCheckLimiter(maxConcurrent: 1, maxQueued: 1)
        let (started, startedSink) = AsyncStream<Int>.makeStream()
        let gates = (1...2).map { _ in AsyncStream<Void>.makeStream() }
        try await withThrowingTaskGroup(of: Int?.self) { group in
            var startedIDs = started.makeAsyncIterator()
            for id in 1...2 {
                let gate = gates[id - 1].stream
                group.addTask {
                    await limiter.run {
                        startedSink.yield(id)
                        for await _ in gate { break }
                        return id
                    }
                }
                if id == 1 { #expect(await startedIDs.next() == 1) }
            }
            while limiter.queued < 1 { try await Task.sleep(for: .milliseconds(1)) }
            // One runs, one waits: the next is refused without running.
            #expect(await limiter.run({ 3 }) == nil)
            gates[0].continuation.yield()
            #expect(await startedIDs.next() == 2)
            gates[1].continuation.yield()
            var results: [Int] = []
            for try await result in group { results.append(try #require(result)) }
            #expect(results.sorted() == [1, 2])
            // All slots free again: a check runs at once.
            #expect(await limiter.run({ 4 }) == 4)
        }
        startedSink.finish()
    }

    @Test("a waiting check whose task is cancelled (its client went away) leaves the queue", .timeLimit(.minutes(1)))
    func cancelledWaiter() async throws {
        let limiter = PasswordCheckLimiter(maxConcurrent: 1, maxQueued: 1)
        let (gate, open) = AsyncStream<Void>.makeStream()
        let (started, startedSink) = AsyncStream<Void>.makeStream()
        let holder = Task {
            await limiter.run {
                startedSink.yield()
                for await _ in gate { break }
                return 1
            }
        }
        var startedIterator = started.makeAsyncIterator()
        _ = await startedIterator.next()
        let waiter = Task { await limiter.run { 2 } }
        while limiter.queued < 1 { try await Task.sleep(for: .milliseconds(1)) }
        waiter.cancel()
        #expect(await waiter.value == nil)  // without leaving the queue it would wait for the holder
        #expect(limiter.queued == 0)
        open.yield()
        #expect(await holder.value == 1)
        #expect(await limiter.run { 3 } == 3)
    }
}
