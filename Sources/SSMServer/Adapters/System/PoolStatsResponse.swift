import SSMCore

/// `GET /pool/stats`: SSM's `max_size`, `current_size`, `available`, `in_use`, plus the
/// waiters, overload and lifetime counters, acquire-wait figures (microseconds, over the last
/// 1,024 acquisitions), the HSM circuit breaker and the login (a refused PIN).
struct PoolStatsResponse: Encodable {
    struct Wait: Encodable {
        var count: Int
        var mean: Double
        var max: Int
        var p50: Int
        var p90: Int
        var p99: Int
    }

    struct Circuit: Encodable {
        var state: String
        var trips: UInt64
        var recoveries: UInt64
        var failedProbes: UInt64
        var lastError: String?
        var nextProbeMilliseconds: Int64?

        enum CodingKeys: String, CodingKey {
            case state, trips, recoveries, failedProbes = "failed_probes", lastError = "last_error"
            case nextProbeMilliseconds = "next_probe_ms"
        }
    }

    struct Login: Encodable {
        var waitingForPIN: Bool
        var refusals: UInt64
        var lastRefusal: String?

        enum CodingKeys: String, CodingKey {
            case waitingForPIN = "waiting_for_pin", refusals, lastRefusal = "last_refusal"
        }
    }

    var maxSize: Int
    var minSize: Int
    var currentSize: Int
    var available: Int
    var inUse: Int
    var waiters: Int
    var maxWaiters: Int
    var overflowInUse: Int
    var created: UInt64
    var closed: UInt64
    var acquired: UInt64
    var timeouts: UInt64
    var rejected: UInt64
    var overflowOpened: UInt64
    var checksFailed: UInt64
    var errors: UInt64
    var cancelled: UInt64
    var acquireWaitMicroseconds: Wait
    var circuit: Circuit
    var login: Login

    enum CodingKeys: String, CodingKey {
        case maxSize = "max_size", minSize = "min_size", currentSize = "current_size", available, inUse = "in_use", waiters
        case maxWaiters = "max_waiters", overflowInUse = "overflow_in_use"
        case created, closed, acquired, timeouts, rejected, overflowOpened = "overflow_opened"
        case checksFailed = "checks_failed", errors, cancelled
        case acquireWaitMicroseconds = "acquire_wait_us", circuit, login
    }

    init(_ stats: PoolStatistics, circuit: CircuitStatus, login: LoginStatus) {
        maxSize = stats.maxSize
        minSize = stats.minSize
        currentSize = stats.currentSize
        available = stats.available
        inUse = stats.inUse
        waiters = stats.waiters
        maxWaiters = stats.maxWaiters
        overflowInUse = stats.overflowInUse
        created = stats.created
        closed = stats.closed
        acquired = stats.acquired
        timeouts = stats.timeouts
        rejected = stats.rejected
        overflowOpened = stats.overflowOpened
        checksFailed = stats.checksFailed
        errors = stats.errors
        cancelled = stats.cancelled
        let wait = stats.acquireWait
        acquireWaitMicroseconds = Wait(
            count: wait.count, mean: wait.meanMicroseconds, max: wait.maxMicroseconds,
            p50: wait.p50Microseconds, p90: wait.p90Microseconds, p99: wait.p99Microseconds)
        self.circuit = Circuit(
            state: circuit.state.rawValue, trips: circuit.trips, recoveries: circuit.recoveries,
            failedProbes: circuit.failedProbes, lastError: circuit.lastError,
            nextProbeMilliseconds: circuit.nextProbeIn.map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 })
        self.login = Login(waitingForPIN: login.waitingForPIN, refusals: login.refusals, lastRefusal: login.lastRefusal)
    }
}
