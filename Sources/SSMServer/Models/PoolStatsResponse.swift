import SessionPool

/// `GET /pool/stats`: SSM's `max_size`, `current_size`, `available`, `in_use`, plus the
/// waiters, lifetime counters and acquire-wait figures (microseconds, over the last 1,024
/// acquisitions).
struct PoolStatsResponse: Encodable {
    struct Wait: Encodable {
        var count: Int
        var mean: Double
        var max: Int
        var p50: Int
        var p90: Int
        var p99: Int
    }

    var maxSize: Int
    var minSize: Int
    var currentSize: Int
    var available: Int
    var inUse: Int
    var waiters: Int
    var created: UInt64
    var closed: UInt64
    var acquired: UInt64
    var timeouts: UInt64
    var errors: UInt64
    var cancelled: UInt64
    var acquireWaitMicroseconds: Wait

    enum CodingKeys: String, CodingKey {
        case maxSize = "max_size", minSize = "min_size", currentSize = "current_size", available, inUse = "in_use", waiters
        case created, closed, acquired, timeouts, errors, cancelled
        case acquireWaitMicroseconds = "acquire_wait_us"
    }

    init(_ stats: PoolStatistics) {
        maxSize = stats.maxSize
        minSize = stats.minSize
        currentSize = stats.currentSize
        available = stats.available
        inUse = stats.inUse
        waiters = stats.waiters
        created = stats.created
        closed = stats.closed
        acquired = stats.acquired
        timeouts = stats.timeouts
        errors = stats.errors
        cancelled = stats.cancelled
        let wait = stats.acquireWait
        acquireWaitMicroseconds = Wait(
            count: wait.count, mean: wait.meanMicroseconds, max: wait.maxMicroseconds,
            p50: wait.p50Microseconds, p90: wait.p90Microseconds, p99: wait.p99Microseconds)
    }
}
