import Prometheus
import SSMCore
import Synchronization

/// The `ssm_pool_*` gauges and counters, brought up to date from ``SessionPool/PoolStatistics``
/// at each scrape (so the pool's hot path does nothing for them).
final class PoolMetrics: Sendable {
    private let size: Gauge
    private let maxSize: Gauge
    private let inUse: Gauge
    private let available: Gauge
    private let waiters: Gauge
    /// Lifetime counters, advanced by the difference since the previous scrape.
    private let counters: [(Counter, @Sendable (PoolStatistics) -> UInt64)]
    private let seen: Mutex<[UInt64]>

    init(registry: PrometheusCollectorRegistry) {
        size = registry.gauge("ssm_pool_size", help: "Sessions of the pool: idle, lent, being opened or closed.")
        maxSize = registry.gauge("ssm_pool_max_size", help: "Most sessions the pool may hold (pool.maxSize).")
        inUse = registry.gauge("ssm_pool_in_use", help: "Pooled sessions lent to a request.")
        available = registry.gauge("ssm_pool_available", help: "Idle pooled sessions.")
        waiters = registry.gauge("ssm_pool_waiters", help: "Requests waiting for a pooled session.")
        func counter(_ name: String, _ help: String, _ value: @escaping @Sendable (PoolStatistics) -> UInt64)
            -> (Counter, @Sendable (PoolStatistics) -> UInt64)
        {
            (registry.counter(name, help: help), value)
        }
        counters = [
            counter("ssm_pool_sessions_created_total", "Sessions the pool opened.") { $0.created },
            counter("ssm_pool_sessions_closed_total", "Sessions the pool closed (idle, too old, broken, shutdown).") { $0.closed },
            counter("ssm_pool_acquired_total", "Sessions lent by the pool.") { $0.acquired },
            counter("ssm_pool_acquire_timeouts_total", "Waits for a session that ended at pool.acquireTimeout (503).") { $0.timeouts },
            counter("ssm_pool_errors_total", "Failed session opens, and sessions dropped after an error that broke them.") { $0.errors },
            counter("ssm_pool_acquire_cancelled_total", "Waits for a session cancelled with their request.") { $0.cancelled },
        ]
        seen = Mutex(Array(repeating: 0, count: counters.count))
    }

    /// Sets the gauges and advances the counters to `statistics`.
    func update(_ statistics: PoolStatistics) {
        size.set(Double(statistics.currentSize))
        maxSize.set(Double(statistics.maxSize))
        inUse.set(Double(statistics.inUse))
        available.set(Double(statistics.available))
        waiters.set(Double(statistics.waiters))
        seen.withLock { seen in
            for (index, (counter, value)) in counters.enumerated() {
                let now = value(statistics)
                // A pool started anew counts from zero again.
                let delta = now >= seen[index] ? now - seen[index] : now
                if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
                seen[index] = now
            }
        }
    }
}
