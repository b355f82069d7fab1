import Synchronization

/// A token bucket per key (client id, or peer address for anonymous callers): `burst`
/// requests at once, refilled at `rate` per second.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Mutex([String: Bucket]())
    private static let maximumKeys = 10_000

    /// A limiter, or nil when `settings` set no limit.
    init?(_ settings: RateLimitSettings) {
        guard settings.requestsPerSecond > 0 else { return nil }
        rate = settings.requestsPerSecond
        burst = Double(max(settings.burst, 1))
    }

    /// Takes a token from `key`'s bucket: nil when there was one, else the whole seconds to
    /// wait for the next (for `Retry-After`).
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer {
                if buckets.count >= Self.maximumKeys && buckets[key] == nil {
                    // Forget the callers whose buckets have refilled by now: they would start
                    // full anyway. (Without the refill, drained but idle callers would stay
                    // forever and every new caller would filter the whole map again.)
                    let rate = self.rate, burst = self.burst
                    buckets = buckets.filter { _, bucket in
                        let idle = now - bucket.updated
                        let seconds = Double(idle.components.seconds) + Double(idle.components.attoseconds) / 1e18
                        return bucket.tokens + seconds * rate + 1 < burst
                    }
                }
                buckets[key] = bucket
            }
            guard bucket.tokens >= 1 else {
                return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Gives back a token taken from `key`'s bucket (never beyond `burst`).
    func refund(_ key: String) {
        buckets.withLock { buckets in
            guard var bucket = buckets[key] else { return }
            bucket.tokens = min(burst, bucket.tokens + 1)
            buckets[key] = bucket
        }
    }
}
