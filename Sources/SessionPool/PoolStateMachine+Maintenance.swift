extension PoolStateMachine {
    /// Reserves capacity for background opens up to `target` resources (capped by `maxSize`);
    /// returns how many to open. Each must be reported with ``addOpened(_:now:)`` or
    /// ``openFailed(now:)``. Nothing after shutdown.
    package mutating func reserve(upTo target: Int) -> Int {
        guard !isShutdown else { return 0 }
        let count = max(0, min(target, maxSize) - currentSize)
        opening += count
        return count
    }

    /// Reserves capacity to bring the pool back up to `minSize` (prewarm, replenishment).
    package mutating func reserveMinimum() -> Int {
        reserve(upTo: minSize)
    }

    /// Removes the idle resources to close at `now`: every one older than `maxLifetime`,
    /// and those idle for `idleTimeout` or longer, least recently returned first, while more
    /// than `minSize` resources remain. Each must be followed by ``closeFinished(now:)``.
    package mutating func reap(now: PoolTimestamp) -> [Resource] {
        guard !isShutdown, !idle.isEmpty else { return [] }
        var toClose: [Resource] = []
        var kept: [PooledResource<Resource>] = []
        kept.reserveCapacity(maxSize)
        // Resources already closing are on their way out: they do not count towards minSize.
        var size = currentSize - closing
        // Index 0 is the least recently returned.
        for pooled in idle {
            let expired = now >= pooled.expiresAt
            let idleTooLong = now - pooled.lastReturnedAt >= idleTimeout && size > minSize
            if expired || idleTooLong {
                toClose.append(pooled.resource)
                size -= 1
            } else {
                kept.append(pooled)
            }
        }
        if !toClose.isEmpty {
            idle = kept
            closing += toClose.count
        }
        return toClose
    }

    /// Stops lending: returns the waiters to fail and the idle resources to close. Lent
    /// resources are closed when returned. Idempotent.
    package mutating func shutdown() -> ShutdownAction {
        guard !isShutdown else { return ShutdownAction(waiters: [], close: []) }
        isShutdown = true
        let failed = drainWaiters()
        let close = idle.map(\.resource)
        idle.removeAll()
        closing += close.count
        return ShutdownAction(waiters: failed, close: close)
    }

    /// The current statistics (sorts the wait samples: prefer ``snapshot()`` under a lock).
    package func statistics() -> PoolStatistics {
        let (statistics, samples) = snapshot()
        var result = statistics
        result.acquireWait = WaitStatistics(samples: samples)
        return result
    }

    /// The current statistics without ``PoolStatistics/acquireWait``, and the raw wait samples
    /// from which to compute it outside the lock.
    package func snapshot() -> (PoolStatistics, [Int]) {
        let statistics = PoolStatistics(
            maxSize: maxSize, minSize: minSize, currentSize: currentSize, available: idle.count, inUse: inUse,
            waiters: waiterCount, created: counters.created, closed: counters.closed,
            acquired: counters.acquired, timeouts: counters.timeouts, errors: counters.errors,
            cancelled: counters.cancelled, acquireWait: .empty)
        return (statistics, waits.snapshot())
    }
}
