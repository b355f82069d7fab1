import DequeModule
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
        for var pooled in idle {
            let idleFor = now - pooled.lastReturnedAt
            let expired = now >= pooled.expiresAt
            let idleTooLong = idleFor >= idleTimeout && size > minSize
            if expired || idleTooLong {
                toClose.append(pooled.resource)
                size -= 1
            } else {
                if let checkAfterIdle, idleFor >= checkAfterIdle { pooled.needsCheck = true }
                kept.append(pooled)
            }
        }
        idle = kept
        closing += toClose.count
        return toClose
    }

    /// A lent resource failed its check (``PoolResourceFactory/check(_:)``): counts it and
    /// closes it like a fatal release.
    package mutating func checkFailed(_ pooled: PooledResource<Resource>, now: PoolTimestamp) -> ReturnAction {
        counters.checksFailed += 1
        return release(pooled, fatal: true, now: now)
    }

    /// Applies new settings at run time. A smaller `maxSize` closes idle resources beyond it
    /// at once (least recently returned first) and lent ones when they come back; a larger
    /// one gives permits to waiters. New timeouts apply to new waiters and resources.
    package mutating func reconfigure(_ configuration: PoolConfiguration, maxSize: Int) -> ReconfigureAction {
        self.maxSize = max(1, maxSize)
        minSize = min(max(0, configuration.minSize), self.maxSize)
        idleTimeout = configuration.idleTimeout
        maxLifetime = configuration.maxLifetime
        acquireTimeout = configuration.acquireTimeout
        maxWaiters = max(0, configuration.maxWaiters)
        overflowPolicy = configuration.overflow
        maxOverflow = max(0, configuration.maxOverflow)
        checkAfterIdle = configuration.checkAfterIdle
        guard !isShutdown else { return ReconfigureAction(close: [], grants: []) }
        var close: [Resource] = []
        while currentSize - closing > self.maxSize, !idle.isEmpty {
            close.append(idle.removeFirst().resource)
            closing += 1
        }
        var grants: [Waiter] = []
        while currentSize < self.maxSize, let first = waiters.popFirst() {
            opening += 1
            counters.acquired += 1
            grants.append(first.waiter)
        }
        return ReconfigureAction(close: close, grants: grants)
    }

    /// Removes every queued borrower, to fail them (the backend is gone).
    package mutating func removeWaiters() -> [Waiter] {
        drainWaiters()
    }

    /// Removes every idle resource, to close them (each followed by ``closeFinished(now:)``).
    package mutating func removeIdle() -> [Resource] {
        let close = idle.map(\.resource)
        idle.removeAll()
        closing += close.count
        return close
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
            cancelled: counters.cancelled, acquireWait: .empty, maxWaiters: maxWaiters,
            overflowInUse: overflowInUse, overflowOpened: counters.overflowOpened, rejected: counters.rejected,
            checksFailed: counters.checksFailed)
        return (statistics, waits.snapshot())
    }
}
