extension PoolStateMachine {
    /// The outcome of ``PoolStateMachine/acquire()``.
    @usableFromInline
    package enum AcquireAction {
        /// The most recently returned idle resource.
        case resource(PooledResource<Resource>)
        /// Capacity is free: open a resource.
        case openPermit
        /// Nothing is free: queue with ``PoolStateMachine/enqueue(_:waiter:now:isCancelled:)`` under this id.
        case wait(WaiterID)
        /// Nothing is free and the overflow policy allows a temporary resource: open one, use it,
        /// close it, then report ``PoolStateMachine/overflowFinished()``.
        case overflowPermit
        /// Nothing is free and the borrower may not wait: fail with this error.
        case rejected(PoolError)
        /// The pool is shut down.
        case shutdown
    }

    /// The outcome of ``PoolStateMachine/enqueue(_:waiter:now:isCancelled:)``.
    package enum EnqueueAction {
        /// Something freed up meanwhile: resume the waiter at once with this lease.
        case lease(PoolLease<Resource>)
        /// The waiter is queued; when `startTimer` is true the caller must start the timeout
        /// timer, which calls ``PoolStateMachine/expireWaiters(now:)`` until it returns no deadline.
        case queued(startTimer: Bool)
        /// The task was already cancelled: fail the waiter with `CancellationError`.
        case cancelled
        /// The pool is shut down: fail the waiter with ``PoolError/shutdown``.
        case shutdown
        /// The queue is full: fail the waiter with this error.
        case rejected(PoolError)
    }

    /// What to do with a resource coming back (from a borrower or from a background open).
    @usableFromInline
    package enum ReturnAction {
        /// Nothing: it is idle now.
        case none
        /// Hand it to this waiter.
        case resume(Waiter, PoolLease<Resource>)
        /// Close it, then report ``PoolStateMachine/closeFinished(now:)``.
        case close(Resource)
    }

    /// What to do with a slot that became free (after a close or a failed open).
    package enum SlotAction {
        /// Nothing.
        case none
        /// Give this waiter a permit to open a resource.
        case grantPermit(Waiter)
    }

    /// What the timer does on a tick.
    package struct ExpireAction {
        /// Waiters to fail with ``PoolError/acquireTimeout(_:)``.
        package var expired: [Waiter]
        /// When to tick again; nil when no waiter remains (the timer stops).
        package var nextDeadline: PoolTimestamp?
    }

    /// What a reconfiguration requires.
    package struct ReconfigureAction {
        /// Idle resources beyond the new `maxSize` to close (each followed by ``PoolStateMachine/closeFinished(now:)``).
        package var close: [Resource]
        /// Waiters to give a permit (the pool grew).
        package var grants: [Waiter]
    }

    /// What shutting down requires.
    package struct ShutdownAction {
        /// Waiters to fail with ``PoolError/shutdown``.
        package var waiters: [Waiter]
        /// Idle resources to close (each followed by ``PoolStateMachine/closeFinished(now:)``).
        package var close: [Resource]
    }
}

extension PoolStateMachine.AcquireAction: Sendable where Resource: Sendable {}
extension PoolStateMachine.EnqueueAction: Sendable where Resource: Sendable {}
extension PoolStateMachine.ReturnAction: Sendable where Resource: Sendable, Waiter: Sendable {}
extension PoolStateMachine.SlotAction: Sendable where Waiter: Sendable {}
extension PoolStateMachine.ExpireAction: Sendable where Waiter: Sendable {}
extension PoolStateMachine.ReconfigureAction: Sendable where Resource: Sendable, Waiter: Sendable {}
extension PoolStateMachine.ShutdownAction: Sendable where Resource: Sendable, Waiter: Sendable {}
