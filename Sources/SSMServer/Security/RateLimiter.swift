import Synchronization

/// A token bucket per key (client id, or peer address for anonymous callers): `burst`
/// requests at once, refilled at `rate` per second.
///
/// Bounded whatever callers send: at most ``maximumKeys`` buckets. When that many callers are
/// known, the buckets that have refilled (they would start full anyway) are forgotten, at most
/// once a second (the sweep reads every bucket); if every bucket is still in use, a caller
/// without one waits (as if throttled) until some refill. This fails closed: a flood of new
/// callers (distinct addresses or login ids) cannot grow memory, nor reset a throttled
/// caller's bucket by pushing it out; while the flood lasts new callers are refused, not
/// callers already counted.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var lastSweep: ContinuousClock.Instant?
    }

    private let rate: Double
    private let burst: Double
    private let state = Mutex(State())
    /// The most buckets kept (keys are short: `client:<id>`, `peer:<address>`, a login id's
    /// first 128 bytes).
    static let maximumKeys = 10_000

    /// A limiter, or nil when `settings` set no limit.
    init?(_ settings: RateLimitSettings) {
        guard settings.requestsPerSecond > 0 else { return nil }
        rate = settings.requestsPerSecond
        burst = Double(max(settings.burst, 1))
    }

    /// The number of buckets kept now (tests).
    var count: Int { state.withLock { $0.buckets.count } }

    /// Takes a token from `key`'s bucket: nil when there was one, else the whole seconds to
    /// wait for the next (for `Retry-After`).
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { state in
            if state.buckets[key] == nil && state.buckets.count >= Self.maximumKeys {
                sweep(&state, now: now)
                if state.buckets.count >= Self.maximumKeys { return 1 }
            }
            var bucket = state.buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + Self.seconds(now - bucket.updated) * rate)
            bucket.updated = now
            defer { state.buckets[key] = bucket }
            guard bucket.tokens >= 1 else {
                return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Gives back a token taken from `key`'s bucket (never beyond `burst`).
    func refund(_ key: String) {
        state.withLock { state in
            guard var bucket = state.buckets[key] else { return }
            bucket.tokens = min(burst, bucket.tokens + 1)
            state.buckets[key] = bucket
        }
    }

    /// Forgets the callers whose buckets have refilled by now, at most once a second.
    private func sweep(_ state: inout State, now: ContinuousClock.Instant) {
        if let last = state.lastSweep, now - last < .seconds(1) { return }
        state.lastSweep = now
        let rate = self.rate, burst = self.burst
        state.buckets = state.buckets.filter { _, bucket in
            bucket.tokens + Self.seconds(now - bucket.updated) * rate < burst
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
