import Logging
import ServiceLifecycle
import Synchronization

extension ResourcePool {
    /// How often ``run()`` reaps and replenishes: a quarter of the shorter of `idleTimeout`
    /// and `maxLifetime`, clamped to 50 ms...1 s (so 1 s with the defaults).
    public var maintenanceInterval: Duration {
        let quarter = min(configuration.idleTimeout, configuration.maxLifetime) / 4
        return min(max(quarter, .milliseconds(50)), .seconds(1))
    }

    /// Opens resources up to `minSize` (start-up prewarm), concurrently.
    ///
    /// Each resource opened goes to a waiting borrower if there is one, else to the idle stack.
    /// - Throws: the first open error, after the other opens have finished.
    public func prewarm() async throws {
        let count = state.withLock { $0.machine.reserveMinimum() }
        try await openIdle(count)
    }

    /// Runs the pool as a `Service`: ``prewarm()``, then every ``maintenanceInterval`` closes
    /// the idle resources past `idleTimeout` (down to `minSize`) or past `maxLifetime`, and
    /// opens resources back up to `minSize`. On graceful shutdown or task cancellation it calls
    /// ``shutdown()`` and returns when every resource is closed.
    ///
    /// A failing prewarm or replenishment is logged, not thrown: it is retried on the next
    /// tick, and borrowers meanwhile get the factory's error when they open a resource.
    public func run() async throws {
        do {
            try await prewarm()
        } catch {
            logger.error("could not open the minimum pooled resources", metadata: ["error": "\(error)"])
        }
        let interval = maintenanceInterval
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await self.maintain()
            }
        }
        await shutdown()
    }

    /// One maintenance tick: reap, then replenish up to `minSize`.
    func maintain() async {
        let reaped = state.withLock { $0.machine.reap(now: PoolClock.now()) }
        if !reaped.isEmpty {
            logger.debug("closing idle or expired pooled resources", metadata: ["count": "\(reaped.count)"])
            await close(reaped)
        }
        let count = state.withLock { $0.machine.reserveMinimum() }
        do {
            try await openIdle(count)
        } catch {
            logger.warning("could not reopen the minimum pooled resources", metadata: ["error": "\(error)"])
        }
    }

    /// Applies new settings at run time (sizes capped by the factory's `resourceLimit`): see
    /// ``PoolStateMachine/reconfigure(_:maxSize:)``. The maintenance interval stays as it was.
    public func reconfigure(_ configuration: PoolConfiguration) async {
        let maxSize = max(1, min(configuration.maxSize, resourceLimit))
        let action = state.withLock { $0.machine.reconfigure(configuration, maxSize: maxSize) }
        for waiter in action.grants {
            waiter.resume(returning: .openPermit)
        }
        await close(action.close)
        let count = state.withLock { $0.machine.reserveMinimum() }
        do {
            try await openIdle(count)
        } catch {
            logger.warning("could not open the minimum pooled resources", metadata: ["error": "\(error)"])
        }
    }

    /// Fails every waiting borrower with `error` (the backend is gone; nobody should wait for it).
    public func failWaiters(with error: any Error) {
        let waiters = state.withLock { $0.machine.removeWaiters() }
        for waiter in waiters {
            waiter.resume(throwing: error)
        }
    }

    /// Closes every idle resource now (lent ones stay lent and come back as usual).
    public func closeIdle() async {
        let idle = state.withLock { $0.machine.removeIdle() }
        await close(idle)
    }

    /// Stops lending: waiters fail with ``PoolError/shutdown``, idle resources are closed, lent
    /// ones are closed when returned; returns when all are closed. Safe to call repeatedly and
    /// concurrently; every call returns once the pool has drained.
    public func shutdown() async {
        let action = state.withLock { $0.machine.shutdown() }
        for waiter in action.waiters {
            waiter.resume(throwing: PoolError.shutdown)
        }
        if !action.close.isEmpty || !action.waiters.isEmpty {
            logger.debug("shutting down the pool", metadata: ["closing": "\(action.close.count)"])
        }
        await close(action.close)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let drained = state.withLock { state -> Bool in
                if state.machine.isDrained { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if drained { continuation.resume() }
        }
    }

    /// Opens `count` resources reserved with the machine, concurrently, into the pool.
    private func openIdle(_ count: Int) async throws {
        guard count > 0 else { return }
        if count == 1 {
            try await openIdle()
            return
        }
        let firstError = await withTaskGroup(of: (any Error)?.self) { group -> (any Error)? in
            for _ in 0..<count {
                group.addTask {
                    do {
                        try await self.openIdle()
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var firstError: (any Error)?
            for await error in group where firstError == nil {
                firstError = error
            }
            return firstError
        }
        if let firstError { throw firstError }
    }

    private func openIdle() async throws {
        let resource: Resource
        do {
            resource = try await factory.openResource()
        } catch {
            await openFailed()
            throw error
        }
        let action = state.withLock { $0.machine.addOpened(resource, now: PoolClock.now()) }
        await perform(action)
    }
}
