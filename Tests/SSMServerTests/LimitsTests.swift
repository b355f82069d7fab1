import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SSMServer
import Testing

/// Rate limit and body size with clients configured.
@Suite("Limits")
struct LimitsTests {
    @Test("the token bucket allows a burst, then 429 with Retry-After, per client")
    func rateLimit() async throws {
        var security = AuthorizationTests.security
        // One token per 30 s: the four requests cannot earn a token back however slowly a
        // loaded machine runs them (at 0.5/s, 2 s between the first and the fourth did).
        security.rateLimit = RateLimitSettings(requestsPerSecond: 1.0 / 30, burst: 3)
        try await withTestApp(security: security) { client, _ in
            let inside = AuthorizationTests.bearer(AuthorizationTests.insideToken)
            for _ in 0..<3 {
                #expect(try await client.send(.get, "/pool/stats", headers: inside).status == .ok)
            }
            let limited = try await client.send(.get, "/pool/stats", headers: inside)
            expectProblem(limited, .tooManyRequests, "RATE_LIMITED")
            let wait = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((15...30).contains(wait))  // the time one token takes, less the few seconds the requests took
            // Another client has its own bucket.
            let other = try await client.send(.get, "/pool/stats", headers: AuthorizationTests.bearer(AuthorizationTests.otherToken))
            #expect(other.status == .forbidden)
        }
    }

    @Test("the bucket refills with time")
    func refill() throws {
        let limiter = try #require(RateLimiter(RateLimitSettings(requestsPerSecond: 2, burst: 1)))
        let start = ContinuousClock.now
        #expect(limiter.take("a", now: start) == nil)
        #expect(limiter.take("a", now: start) == 1)
        #expect(limiter.take("b", now: start) == nil)
        #expect(limiter.take("a", now: start + .milliseconds(600)) == nil)
        #expect(RateLimiter(RateLimitSettings()) == nil)
    }

    @Test("a flood of new callers cannot grow the buckets past maximumKeys, nor push out a throttled caller")
    func boundedBuckets() throws {
        // One request per minute: a caller's bucket stays in use (not refilled) for a minute.
        let limiter = try #require(RateLimiter(RateLimitSettings(requestsPerSecond: 1.0 / 60, burst: 1)))
        let start = ContinuousClock.now
        #expect(limiter.take("victim", now: start) == nil)
        #expect(limiter.take("victim", now: start) != nil)
        for index in 0..<(RateLimiter.maximumKeys + 5_000) {
            _ = limiter.take("peer:\(index)", now: start + .milliseconds(index / 10))
        }
        #expect(limiter.count == RateLimiter.maximumKeys)
        // A new caller waits while every bucket is in use; the throttled one is still throttled.
        #expect(limiter.take("newcomer", now: start + .seconds(2)) == 1)
        #expect(limiter.take("victim", now: start + .seconds(2)) != nil)
        // Once the buckets have refilled, they are forgotten and newcomers get one.
        #expect(limiter.take("newcomer", now: start + .seconds(200)) == nil)
        #expect(limiter.count == 1)
    }

    @Test("one address sending endless distinct login ids gets no bucket made beyond its own limit")
    func loginIDFloodFromOneAddress() {
        var settings = LoginSettings()
        settings.failureBurst = 2
        settings.failuresPerMinute = 1
        let throttle = LoginThrottle(settings)
        let now = ContinuousClock.now
        for index in 0..<1_000 {
            _ = throttle.begin(.init(clientID: "guess-\(index)", address: "10.9.9.9"), now: now)
        }
        #expect(throttle.byClient?.count == 4 * settings.failureBurst)
        #expect(throttle.byAddress?.count == 1)
        // A bucket key is at most 128 bytes, however many combining marks one character has.
        let long = LoginThrottle.Attempt(clientID: "e" + String(repeating: "\u{301}", count: 1_000), address: "10.0.0.1")
        #expect(long.clientID.utf8.count <= 128)
    }

    @Test("an oversized body gets 413 from an authorized client")
    func oversizedBody() async throws {
        try await withTestApp(bodyLimit: 1024, security: AuthorizationTests.security) { client, _ in
            let big = String(repeating: "00", count: 4096)
            let response = try await client.send(
                .post, "/encrypt", ["key_label": "allowed-x", "plain": big, "encryption_algorithm": 1],
                headers: AuthorizationTests.bearer(AuthorizationTests.insideToken))
            expectProblem(response, .contentTooLarge, "PAYLOAD_TOO_LARGE")
        }
    }
}
