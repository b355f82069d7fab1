import Logging
import Synchronization

extension ResourcePool {
    /// Opens a resource with a permit (reserved capacity); on failure gives the slot back.
    @usableFromInline
    func openWithPermit() async throws -> PooledResource<Resource> {
        let resource: Resource
        do {
            resource = try await factory.openResource()
        } catch {
            logger.warning("could not open a pooled resource", metadata: ["error": "\(error)"])
            await openFailed()
            throw error
        }
        let now = PoolClock.now()
        return state.withLock { $0.machine.opened(resource, now: now) }
    }

    /// Queues the borrower `id` until it is handed a resource or a permit, times out, is
    /// cancelled or the pool shuts down.
    @usableFromInline
    func wait(_ id: Machine.WaiterID) async throws -> PooledResource<Resource> {
        let lease = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PoolLease<Resource>, any Error>) in
                let waiter = Waiter(continuation)
                let action = state.withLock {
                    $0.machine.enqueue(id, waiter: waiter, now: PoolClock.now(), isCancelled: Task.isCancelled)
                }
                switch action {
                case .lease(let lease):
                    continuation.resume(returning: lease)
                case .queued(let startTimer):
                    if startTimer { self.startTimer() }
                case .cancelled:
                    continuation.resume(throwing: CancellationError())
                case .rejected(let error):
                    continuation.resume(throwing: error)
                case .shutdown:
                    continuation.resume(throwing: PoolError.shutdown)
                }
            }
        } onCancel: {
            // Task.isCancelled is already true here, so an enqueue racing with this handler
            // either sees it (and does not queue) or queued first (and is found here).
            if let waiter = state.withLock({ $0.machine.cancelWaiter(id) }) {
                waiter.resume(throwing: CancellationError())
            }
        }
        switch lease {
        case .resource(let pooled): return pooled
        case .openPermit: return try await openWithPermit()
        }
    }

    /// Starts the one timer task that fails waiters past their deadline. It stops by itself
    /// when no waiter remains; the machine starts a new one when needed.
    private func startTimer() {
        Task { [self] in
            await self.runTimer()
        }
    }

    private func runTimer() async {
        while true {
            let (tick, timeout) = state.withLock {
                ($0.machine.expireWaiters(now: PoolClock.now()), $0.machine.acquireTimeout)
            }
            for waiter in tick.expired {
                waiter.resume(throwing: PoolError.acquireTimeout(timeout))
            }
            guard let deadline = tick.nextDeadline else { return }
            // Never cancelled (an unstructured task nobody holds); a spurious early wake-up
            // only costs one more tick.
            try? await Task.sleep(until: PoolClock.instant(of: deadline), clock: .continuous)
        }
    }

    /// Lends a temporary resource beyond `maxSize` (overflow policy): opened for `body`, closed after.
    @usableFromInline
    nonisolated(nonsending)
    func withOverflowResource<R: Sendable>(_ body: (Factory.Resource) async throws -> R) async throws -> R {
        defer { state.withLock { $0.machine.overflowFinished() } }
        let resource = try await factory.openResource()
        do {
            let result = try await body(resource)
            await factory.closeResource(resource)
            return result
        } catch {
            await factory.closeResource(resource)
            throw error
        }
    }

    /// Checks a resource that was idle for `checkAfterIdle`: returns it if it passes, else
    /// closes it and returns nil (the borrower asks again).
    @usableFromInline
    func checkedOrReplaced(_ pooled: PooledResource<Resource>) async throws -> PooledResource<Resource>? {
        if await factory.check(pooled.resource) {
            var checked = pooled
            checked.needsCheck = false
            return checked
        }
        logger.debug("closing an idle pooled resource that failed its check")
        let action = state.withLock { $0.machine.checkFailed(pooled, now: PoolClock.now()) }
        await perform(action)
        return nil
    }

    /// Gives back a resource whose borrower threw `error`: closed if the factory judges the error fatal.
    @usableFromInline
    func release(_ pooled: PooledResource<Resource>, after error: any Error) async {
        let fatal = factory.isFatal(error)
        if fatal {
            logger.debug("closing a pooled resource after a fatal error", metadata: ["error": "\(error)"])
        }
        await perform(release(pooled, fatal: fatal))
    }

    /// Performs what the machine decided about a returned or newly opened resource.
    @usableFromInline
    func perform(_ action: Machine.ReturnAction) async {
        switch action {
        case .none:
            break
        case .resume(let waiter, let lease):
            waiter.resume(returning: lease)
        case .close(let resource):
            await close(resource)
        }
    }

    /// Closes one resource, then frees its slot (to a waiter, or towards draining).
    func close(_ resource: Resource) async {
        await factory.closeResource(resource)
        let (action, drained) = state.withLock { state in
            (state.machine.closeFinished(now: PoolClock.now()), state.takeDrainWaitersIfDrained())
        }
        perform(action)
        for waiter in drained { waiter.resume() }
    }

    /// Closes several resources concurrently.
    func close(_ resources: [Resource]) async {
        switch resources.count {
        case 0: return
        case 1: await close(resources[0])
        default:
            await withTaskGroup(of: Void.self) { group in
                for resource in resources {
                    group.addTask { await self.close(resource) }
                }
            }
        }
    }

    /// Frees the slot of a failed open.
    func openFailed() async {
        let (action, drained) = state.withLock { state in
            (state.machine.openFailed(now: PoolClock.now()), state.takeDrainWaitersIfDrained())
        }
        perform(action)
        for waiter in drained { waiter.resume() }
    }

    private func perform(_ action: Machine.SlotAction) {
        switch action {
        case .none: break
        case .grantPermit(let waiter): waiter.resume(returning: .openPermit)
        }
    }
}
