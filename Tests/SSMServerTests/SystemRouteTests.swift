import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SSMCore
import SSMServer
import Testing

@Suite("System routes, errors and middleware")
struct SystemRouteTests {
    @Test("health-check, ready and pool stats")
    func system() async throws {
        try await withTestApp { client, _ in
            let health = try await client.send(.get, "/health-check")
            #expect(health.status == .ok && health.body.string("status") == "OK")
            let ready = try await client.send(.get, "/ready")
            #expect(ready.status == .ok && ready.body.string("status") == "READY")
            let stats = try await client.send(.get, "/pool/stats")
            #expect(stats.status == .ok)
            for field in ["max_size", "current_size", "available", "in_use", "waiters", "created", "closed", "acquired", "timeouts", "errors"] {
                #expect(stats.body.int(field) != nil, "missing \(field)")
            }
            #expect(stats.body.int("max_size") == 4)
            #expect(stats.body.object("acquire_wait_us")?.int("count") != nil)
        }
    }

    @Test("unknown route 404, wrong method 405 with Allow, both problem details")
    func routing() async throws {
        try await withTestApp { client, _ in
            expectProblem(try await client.send(.get, "/nope"), .notFound, "NOT_FOUND")
            let wrong = try await client.send(.get, "/encrypt-pool")
            expectProblem(wrong, .methodNotAllowed, "METHOD_NOT_ALLOWED")
            #expect(wrong.headers[.allow] == "POST")
            let store = try await client.send(.patch, "/crypto/store-key")
            #expect(store.status == .methodNotAllowed)
            #expect(store.headers[.allow] == "POST, PUT, DELETE")
        }
    }

    @Test("a body over the limit is 413")
    func bodyLimit() async throws {
        try await withTestApp(bodyLimit: 4096) { client, _ in
            let big = String(repeating: "a", count: 5000)
            expectProblem(
                try await client.send(.post, "/encrypt-pool", ["key_label": "x", "plain": big, "encryption_algorithm": 1]),
                .contentTooLarge, "PAYLOAD_TOO_LARGE")
        }
    }

    @Test("X-Request-ID is echoed, or generated when absent or invalid")
    func requestID() async throws {
        try await withTestApp { client, _ in
            let echoed = try await client.send(.get, "/health-check", headers: [.xRequestID: "abc-123"])
            #expect(echoed.headers[.xRequestID] == "abc-123")
            let generated = try await client.send(.get, "/health-check")
            #expect(generated.headers[.xRequestID]?.count == 36)
            let invalid = try await client.send(.get, "/health-check", headers: [.xRequestID: String(repeating: "x", count: 200)])
            #expect(invalid.headers[.xRequestID]?.count == 36)
        }
    }

    @Test("no session within acquireTimeout: 503 POOL_EXHAUSTED with Retry-After, not a hang")
    func poolExhausted() async throws {
        let pool = PoolConfiguration(maxSize: 1, minSize: 0, acquireTimeout: .milliseconds(200))
        // The holder blocks its thread on a semaphore: on the dedicated threads, never inline on
        // the cooperative pool (which the parallel tests share).
        try await withTestApp(pool: pool, placement: .threadPool(threads: 2)) { client, hsm in
            let label = uniqueLabel()
            try await client.send(.post, "/generate-aes-key", ["key_label": label])
            // Hold the only session until the 503 has been seen.
            let release = DispatchSemaphore(value: 0)
            let holder = Task {
                try await hsm.withSession { _ in release.wait() }
            }
            while hsm.statistics().inUse == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let start = ContinuousClock.now
            let response = try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "00", "encryption_algorithm": 1])
            release.signal()
            expectProblem(response, .serviceUnavailable, "POOL_EXHAUSTED")
            #expect(response.headers[.retryAfter] != nil)
            #expect(ContinuousClock.now - start < .seconds(10))  // bounded by acquireTimeout, never a hang
            try await holder.value
            let stats = try await client.send(.get, "/pool/stats")
            #expect(stats.body.int("timeouts") == 1)
            #expect(try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "00", "encryption_algorithm": 1]).status == .ok)
        }
    }

    @Test("/encrypt's sessions per request are bounded too: 503 after acquireTimeout, not a pile-up")
    func perRequestSessionsAreBounded() async throws {
        let pool = PoolConfiguration(maxSize: 1, minSize: 0, acquireTimeout: .milliseconds(200))
        // The holder blocks its thread on a semaphore: on the dedicated threads, never inline on
        // the cooperative pool (which the parallel tests share).
        try await withTestApp(pool: pool, placement: .threadPool(threads: 2)) { client, hsm in
            let label = uniqueLabel()
            try await client.send(.post, "/generate-aes-key", ["key_label": label])
            let request: [String: any Sendable] = ["key_label": label, "plain": "00", "encryption_algorithm": 1]
            let release = DispatchSemaphore(value: 0)
            let entered = DispatchSemaphore(value: 0)
            let holder = Task {
                try await hsm.withEphemeralSession { _ in
                    entered.signal()
                    release.wait()
                }
            }
            await Task.detached { entered.wait() }.value
            let response = try await client.send(.post, "/encrypt", request)
            release.signal()
            expectProblem(response, .serviceUnavailable, "POOL_EXHAUSTED")
            try await holder.value
            #expect(try await client.send(.post, "/encrypt", request).status == .ok)
        }
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-ID")!
}
