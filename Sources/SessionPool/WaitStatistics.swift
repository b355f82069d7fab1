/// How long the most recent acquisitions (at most the last 1,024) waited, in microseconds.
///
/// An acquisition that found an idle resource or free capacity counts as 0. A waiter's wait
/// runs from the moment it queued to the moment a resource (or a permit to open one) was
/// handed to it; the time to open a resource is not included. Timed-out and cancelled
/// waiters are not samples (see ``PoolStatistics/timeouts`` and ``PoolStatistics/cancelled``).
public struct WaitStatistics: Sendable, Hashable, Codable {
    /// The number of samples (at most 1,024).
    public var count: Int
    /// The sum of the samples.
    public var totalMicroseconds: Int
    /// The mean sample, 0 without samples.
    public var meanMicroseconds: Double
    /// The largest sample.
    public var maxMicroseconds: Int
    /// The median (nearest-rank).
    public var p50Microseconds: Int
    /// The 90th percentile (nearest-rank).
    public var p90Microseconds: Int
    /// The 99th percentile (nearest-rank).
    public var p99Microseconds: Int

    /// Creates statistics from their parts.
    public init(
        count: Int, totalMicroseconds: Int, meanMicroseconds: Double, maxMicroseconds: Int,
        p50Microseconds: Int, p90Microseconds: Int, p99Microseconds: Int
    ) {
        self.count = count
        self.totalMicroseconds = totalMicroseconds
        self.meanMicroseconds = meanMicroseconds
        self.maxMicroseconds = maxMicroseconds
        self.p50Microseconds = p50Microseconds
        self.p90Microseconds = p90Microseconds
        self.p99Microseconds = p99Microseconds
    }

    /// Statistics with no samples.
    public static let empty = WaitStatistics(
        count: 0, totalMicroseconds: 0, meanMicroseconds: 0, maxMicroseconds: 0,
        p50Microseconds: 0, p90Microseconds: 0, p99Microseconds: 0)

    /// Computes the statistics of `samples` (microseconds, any order).
    init(samples: [Int]) {
        guard !samples.isEmpty else {
            self = .empty
            return
        }
        let sorted = samples.sorted()
        let total = sorted.reduce(0, &+)
        func percentile(_ p: Int) -> Int {
            // Nearest rank: the smallest sample with at least p % of the samples at or below it.
            let rank = (p * sorted.count + 99) / 100
            return sorted[max(0, min(sorted.count - 1, rank - 1))]
        }
        self.init(
            count: sorted.count, totalMicroseconds: total,
            meanMicroseconds: Double(total) / Double(sorted.count), maxMicroseconds: sorted[sorted.count - 1],
            p50Microseconds: percentile(50), p90Microseconds: percentile(90), p99Microseconds: percentile(99))
    }
}
