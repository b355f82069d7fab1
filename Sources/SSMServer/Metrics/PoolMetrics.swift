import Prometheus
import SessionPool
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
        size = registry.makeGauge(name: "ssm_pool_size", help: "Sessions of the pool: idle, lent, being opened or closed.")
        maxSize = registry.makeGauge(name: "ssm_pool_max_size", help: "Most sessions the pool may hold (pool.maxSize).")
        inUse = registry.makeGauge(name: "ssm_pool_in_use", help: "Pooled sessions lent to a request.")
        available = registry.makeGauge(name: "ssm_pool_available", help: "Idle pooled sessions.")
        waiters = registry.makeGauge(name: "ssm_pool_waiters", help: "Requests waiting for a pooled session.")
        counters = [
            (registry.makeCounter(name: "ssm_pool_sessions_created_total", help: "Sessions the pool opened."), { $0.created }),
            (registry.makeCounter(name: "ssm_pool_sessions_closed_total", help: "Sessions the pool closed (idle, too old, broken, shutdown)."), { $0.closed }),
            (registry.makeCounter(name: "ssm_pool_acquired_total", help: "Sessions lent by the pool."), { $0.acquired }),
            (
                registry.makeCounter(
                    name: "ssm_pool_acquire_timeouts_total", help: "Waits for a session that ended at pool.acquireTimeout (503)."),
                { $0.timeouts }
            ),
            (registry.makeCounter(name: "ssm_pool_errors_total", help: "Failed session opens, plus sessions dropped after an error that made them unusable."), { $0.errors }),
            (registry.makeCounter(name: "ssm_pool_acquire_cancelled_total", help: "Waits for a session cancelled by their request."), { $0.cancelled }),
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
