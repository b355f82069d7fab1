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
        security.rateLimit = RateLimitSettings(requestsPerSecond: 0.5, burst: 3)
        try await withTestApp(security: security) { client, _ in
            let inside = AuthorizationTests.bearer(AuthorizationTests.insideToken)
            for _ in 0..<3 {
                #expect(try await client.send(.get, "/pool/stats", headers: inside).status == .ok)
            }
            let limited = try await client.send(.get, "/pool/stats", headers: inside)
            expectProblem(limited, .tooManyRequests, "RATE_LIMITED")
            let wait = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...2).contains(wait))
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
