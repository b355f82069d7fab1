import Logging
import ServiceLifecycle
import Synchronization

/// A bounded pool of resources (PKCS#11 sessions in production) lent to one borrower at a time.
///
/// ## Lending
/// ``withResource(_:)`` lends a resource for the duration of a closure and takes it back on
/// every path: success, thrown error, task cancellation. If the closure throws an error for
/// which the factory's ``PoolResourceFactory/isFatal(_:)`` is true, the resource is closed
/// instead of reused. The most recently returned idle resource is lent first (LIFO), so the
/// warmest resource is reused and the others can age out.
///
/// ## Capacity
/// At most ``maxSize`` resources exist at any time, counting those being opened and those
/// being closed: a slot is freed only once a close has finished or an open has failed.
/// ``maxSize`` is `configuration.maxSize` capped by the factory's
/// ``PoolResourceFactory/resourceLimit`` (and at least 1). A borrower that finds no idle
/// resource but a free slot opens a resource itself, outside any lock; if that open fails the
/// borrower gets the factory's error and the slot goes to the first waiter.
///
/// ## Waiting
/// When the pool is full, borrowers wait asynchronously (no thread is blocked), first come
/// first served. A returned resource, or a freed slot, goes to the longest waiting borrower.
/// A waiter gives up with ``PoolError/acquireTimeout(_:)`` after
/// ``PoolConfiguration/acquireTimeout``; one whose task is cancelled throws
/// `CancellationError` at once. Either way it leaves the queue immediately. One timer task
/// serves all waiters (their deadlines are in queue order) and exists only while some wait.
///
/// ## Retirement
/// A resource older than ``PoolConfiguration/maxLifetime`` is closed when it is returned (its
/// slot then goes to a waiter, who opens a fresh one). ``run()`` periodically closes idle
/// resources older than `maxLifetime`, and those idle for ``PoolConfiguration/idleTimeout``
/// while more than ``PoolConfiguration/minSize`` remain, then opens resources back up to
/// `minSize`.
///
/// ## Shutdown
/// ``shutdown()`` (also called when ``run()`` ends) stops lending: waiters fail with
/// ``PoolError/shutdown``, idle resources are closed at once, lent ones when they are
/// returned; every resource is closed exactly once, and `shutdown()` returns when all are.
///
/// ## Implementation
/// The bookkeeping is a pure state machine (``PoolStateMachine``) held under a `Mutex`;
/// every event takes the lock once and returns an action (open, close, resume a waiter)
/// performed after the lock is released. The factory is never called and no continuation is
/// resumed with the lock held. Borrowing an idle resource and giving it back take one lock
/// round trip each and allocate nothing.
public final class ResourcePool<Factory: PoolResourceFactory>: Service, Sendable {
    @usableFromInline typealias Resource = Factory.Resource
    @usableFromInline typealias Waiter = PoolWaiter<Resource>
    @usableFromInline typealias Machine = PoolStateMachine<Resource, Waiter>

    /// The machine plus the callers of ``shutdown()`` waiting for the pool to drain.
    @usableFromInline
    struct State {
        @usableFromInline var machine: Machine
        var drainWaiters: [CheckedContinuation<Void, Never>] = []

        /// The drain waiters to resume if the pool just drained.
        mutating func takeDrainWaitersIfDrained() -> [CheckedContinuation<Void, Never>] {
            guard machine.isDrained, !drainWaiters.isEmpty else { return [] }
            defer { drainWaiters = [] }
            return drainWaiters
        }
    }

    @usableFromInline let factory: Factory
    /// The configuration the pool was created with (``reconfigure(_:)`` changes the machine's copy).
    let configuration: PoolConfiguration
    let logger: Logger
    @usableFromInline let state: Mutex<State>
    /// The factory's `resourceLimit`, read once.
    let resourceLimit: Int

    /// The effective maximum: `min(configuration.maxSize, factory.resourceLimit ?? .max)`, at least 1.
    public var maxSize: Int { state.withLock { $0.machine.maxSize } }

    /// Creates an empty pool; nothing is opened until ``prewarm()``, ``run()`` or the first borrower.
    ///
    /// The configuration is not validated (see ``PoolConfiguration/validate()``): sizes are
    /// clamped, `maxSize` to at least 1 and `minSize` to `0...maxSize`.
    public init(factory: Factory, configuration: PoolConfiguration, logger: Logger) {
        let limit = factory.resourceLimit ?? .max
        let maxSize = max(1, min(configuration.maxSize, limit))
        self.factory = factory
        self.configuration = configuration
        self.logger = logger
        self.resourceLimit = limit
        self.state = Mutex(State(machine: Machine(configuration: configuration, maxSize: maxSize)))
    }

    /// Lends a resource to `body` and takes it back afterwards.
    ///
    /// The resource returns to the pool on every path; if `body` throws an error the factory
    /// judges fatal, the resource is closed instead. `body` must not let the resource escape.
    ///
    /// - Throws: ``PoolError/acquireTimeout(_:)`` if none frees up in time,
    ///   ``PoolError/shutdown`` after ``shutdown()``, `CancellationError` if the task is
    ///   cancelled while waiting, the factory's error if opening a resource fails, or what
    ///   `body` throws.
    @inlinable
    nonisolated(nonsending)
    public func withResource<R: Sendable>(_ body: (Factory.Resource) async throws -> R) async throws -> R {
        var pooled: PooledResource<Resource>
        switch state.withLock({ $0.machine.acquire() }) {
        case .resource(let idle):
            pooled = idle
        case .openPermit:
            pooled = try await openWithPermit()
        case .wait(let id):
            pooled = try await wait(id)
        case .overflowPermit:
            return try await withOverflowResource(body)
        case .rejected(let error):
            throw error
        case .shutdown:
            throw PoolError.shutdown
        }
        if pooled.needsCheck {
            guard let checked = try await checkedOrReplaced(pooled) else { return try await withResource(body) }
            pooled = checked
        }
        let result: R
        do {
            result = try await body(pooled.resource)
        } catch {
            await release(pooled, after: error)
            throw error
        }
        let action = release(pooled, fatal: false)
        if case .none = action {} else { await perform(action) }
        return result
    }

    /// The current sizes, counters and acquire-wait statistics.
    public func statistics() -> PoolStatistics {
        let (statistics, samples) = state.withLock { $0.machine.snapshot() }
        var result = statistics
        result.acquireWait = WaitStatistics(samples: samples)
        return result
    }

    /// Gives a lent resource back to the machine (one lock round trip).
    @inlinable
    func release(_ pooled: PooledResource<Resource>, fatal: Bool) -> Machine.ReturnAction {
        let now = PoolClock.now()
        return state.withLock { $0.machine.release(pooled, fatal: fatal, now: now) }
    }
}
