import DequeModule

/// The pool's bookkeeping as a pure value: every event is a mutating method that takes the
/// current instant explicitly and returns the action the caller must perform afterwards
/// (open or close a resource, resume a waiter), outside any lock.
///
/// `Resource` is the pooled resource and `Waiter` whatever resumes a queued borrower (a
/// continuation in ``ResourcePool``, a plain value in tests). The machine never calls out.
///
/// Accounting: `currentSize = idle + inUse + opening + closing` never exceeds `maxSize`;
/// a slot is freed only when a close has *finished* or an open has failed, and is then
/// offered to the first waiter. While a waiter is queued no resource is idle and the pool
/// is full, so a newcomer never overtakes a waiter.
@usableFromInline
package struct PoolStateMachine<Resource, Waiter> {
    /// Identifies a queued borrower, for cancellation.
    @usableFromInline package typealias WaiterID = UInt64

    @usableFromInline
    struct QueuedWaiter {
        @usableFromInline var id: WaiterID
        @usableFromInline var waiter: Waiter
        @usableFromInline var enqueuedAt: PoolTimestamp
        @usableFromInline var deadline: PoolTimestamp

        @usableFromInline
        init(id: WaiterID, waiter: Waiter, enqueuedAt: PoolTimestamp, deadline: PoolTimestamp) {
            self.id = id
            self.waiter = waiter
            self.enqueuedAt = enqueuedAt
            self.deadline = deadline
        }
    }

    /// The effective maximum size.
    @usableFromInline internal(set) package var maxSize: Int
    /// The effective minimum size (at most `maxSize`).
    @usableFromInline internal(set) package var minSize: Int
    @usableFromInline var idleTimeout: Duration
    @usableFromInline var maxLifetime: Duration
    @usableFromInline internal(set) package var acquireTimeout: Duration
    @usableFromInline var maxWaiters: Int
    @usableFromInline var overflowPolicy: PoolConfiguration.OverflowPolicy
    @usableFromInline var maxOverflow: Int
    @usableFromInline var checkAfterIdle: Duration?

    /// Idle resources; the last one is the most recently returned (lent first).
    @usableFromInline var idle: [PooledResource<Resource>] = []
    @usableFromInline var waiters: Deque<QueuedWaiter> = []
    @usableFromInline internal(set) package var inUse = 0
    @usableFromInline internal(set) package var opening = 0
    @usableFromInline internal(set) package var closing = 0
    /// Temporary resources beyond `maxSize` (overflow policy), lent or being opened.
    @usableFromInline internal(set) package var overflowInUse = 0
    @usableFromInline internal(set) package var isShutdown = false
    @usableFromInline var timerRunning = false
    @usableFromInline var nextWaiterID: WaiterID = 0
    @usableFromInline var counters = Counters()
    @usableFromInline var waits = WaitSampleRing()

    @usableFromInline
    struct Counters {
        @usableFromInline var created: UInt64 = 0
        @usableFromInline var closed: UInt64 = 0
        @usableFromInline var acquired: UInt64 = 0
        @usableFromInline var timeouts: UInt64 = 0
        @usableFromInline var errors: UInt64 = 0
        @usableFromInline var cancelled: UInt64 = 0
        @usableFromInline var rejected: UInt64 = 0
        @usableFromInline var overflowOpened: UInt64 = 0
        @usableFromInline var checksFailed: UInt64 = 0

        @usableFromInline init() {}
    }

    /// Creates an empty, running pool. `maxSize` is clamped to at least 1 and `minSize` to `0...maxSize`.
    package init(configuration: PoolConfiguration, maxSize: Int) {
        self.maxSize = max(1, maxSize)
        self.minSize = min(max(0, configuration.minSize), self.maxSize)
        self.idleTimeout = configuration.idleTimeout
        self.maxLifetime = configuration.maxLifetime
        self.acquireTimeout = configuration.acquireTimeout
        self.maxWaiters = max(0, configuration.maxWaiters)
        self.overflowPolicy = configuration.overflow
        self.maxOverflow = max(0, configuration.maxOverflow)
        self.checkAfterIdle = configuration.checkAfterIdle
        self.idle.reserveCapacity(self.maxSize)
    }

    /// Resources that exist or are about to.
    @inlinable package var currentSize: Int { idle.count + inUse + opening + closing }
    /// Idle resources.
    package var available: Int { idle.count }
    /// Queued borrowers.
    package var waiterCount: Int { waiters.count }
    /// Shut down and nothing left open, opening or closing.
    package var isDrained: Bool { isShutdown && currentSize == 0 }

    // MARK: Borrowing

    /// A borrower asks for a resource (the uncontended path: no allocation, no clock read).
    @inlinable
    package mutating func acquire() -> AcquireAction {
        if isShutdown { return .shutdown }
        switch takeLease() {
        case .resource(let pooled)?: return .resource(pooled)
        case .openPermit?: return .openPermit
        case nil: return whenFull()
        }
    }

    /// The pool is full: the overflow policy decides.
    @usableFromInline
    mutating func whenFull() -> AcquireAction {
        switch overflowPolicy {
        case .fail:
            counters.rejected += 1
            return .rejected(.exhausted)
        case .overflow where overflowInUse < maxOverflow:
            overflowInUse += 1
            counters.overflowOpened += 1
            counters.acquired += 1
            waits.recordZero()
            return .overflowPermit
        case .wait, .overflow:
            if waiters.count >= maxWaiters {
                counters.rejected += 1
                return .rejected(.queueFull(maxWaiters))
            }
            nextWaiterID &+= 1
            return .wait(nextWaiterID)
        }
    }

    /// A temporary resource (``AcquireAction/overflowPermit``) was closed after use, or failed to open.
    package mutating func overflowFinished() {
        overflowInUse -= 1
    }

    /// Queues a borrower that ``acquire()`` told to wait, unless something freed up meanwhile.
    package mutating func enqueue(
        _ id: WaiterID, waiter: Waiter, now: PoolTimestamp, isCancelled: Bool
    ) -> EnqueueAction {
        if isShutdown { return .shutdown }
        if isCancelled {
            counters.cancelled += 1
            return .cancelled
        }
        if let lease = takeLease() { return .lease(lease) }
        if waiters.count >= maxWaiters {
            counters.rejected += 1
            return .rejected(.queueFull(maxWaiters))
        }
        waiters.append(
            QueuedWaiter(id: id, waiter: waiter, enqueuedAt: now, deadline: now + acquireTimeout))
        let startTimer = !timerRunning
        timerRunning = true
        return .queued(startTimer: startTimer)
    }

    /// Removes a cancelled borrower; returns it to fail, or nil if it was already served.
    package mutating func cancelWaiter(_ id: WaiterID) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        counters.cancelled += 1
        return waiters.remove(at: index).waiter
    }

    /// The timeout timer's tick: removes the waiters whose deadline has passed.
    package mutating func expireWaiters(now: PoolTimestamp) -> ExpireAction {
        var expired: [Waiter] = []
        var next: PoolTimestamp?
        // Deadlines usually grow along the queue, but not after a reconfiguration shortened
        // the timeout: look at every waiter (the queue is bounded by maxWaiters).
        if waiters.contains(where: { $0.deadline <= now }) {
            var kept = Deque<QueuedWaiter>()
            for waiter in waiters {
                if waiter.deadline <= now {
                    expired.append(waiter.waiter)
                    counters.timeouts += 1
                } else {
                    kept.append(waiter)
                }
            }
            waiters = kept
        }
        next = waiters.map(\.deadline).min()
        if next == nil { timerRunning = false }
        return ExpireAction(expired: expired, nextDeadline: next)
    }

    /// A borrower holding a permit opened its resource at `now`.
    package mutating func opened(_ resource: Resource, now: PoolTimestamp) -> PooledResource<Resource> {
        opening -= 1
        inUse += 1
        counters.created += 1
        return PooledResource(resource: resource, openedAt: now, maxLifetime: maxLifetime)
    }

    /// An open (by a borrower or in the background) failed: its slot goes to the first waiter.
    package mutating func openFailed(now: PoolTimestamp) -> SlotAction {
        opening -= 1
        counters.errors += 1
        return slotFreed(now: now)
    }

    /// A borrower gives a resource back. `fatal` means its body failed with an error the
    /// factory judged fatal. A fatal, expired (older than `maxLifetime`) or post-shutdown
    /// resource is closed; otherwise it goes to the first waiter, or on top of the idle stack.
    @inlinable
    package mutating func release(
        _ pooled: PooledResource<Resource>, fatal: Bool, now: PoolTimestamp
    ) -> ReturnAction {
        inUse -= 1
        if fatal { counters.errors += 1 }
        return place(pooled, retire: fatal, now: now)
    }

    /// A background open (prewarm, replenishment) holding a permit from ``reserve(upTo:)`` succeeded.
    package mutating func addOpened(_ resource: Resource, now: PoolTimestamp) -> ReturnAction {
        opening -= 1
        counters.created += 1
        return place(PooledResource(resource: resource, openedAt: now, maxLifetime: maxLifetime), retire: false, now: now)
    }

    /// A close finished: its slot goes to the first waiter.
    package mutating func closeFinished(now: PoolTimestamp) -> SlotAction {
        closing -= 1
        counters.closed += 1
        return slotFreed(now: now)
    }

    // MARK: Private

    /// Empties the queue (shutdown), returning the waiters in order.
    mutating func drainWaiters() -> [Waiter] {
        let drained = waiters.map(\.waiter)
        waiters.removeAll()
        return drained
    }

    @inlinable
    mutating func takeLease() -> PoolLease<Resource>? {
        if let pooled = idle.popLast() {
            inUse += 1
            counters.acquired += 1
            waits.recordZero()
            return .resource(pooled)
        }
        if currentSize < maxSize {
            opening += 1
            counters.acquired += 1
            waits.recordZero()
            return .openPermit
        }
        return nil
    }

    @inlinable
    mutating func place(
        _ pooled: PooledResource<Resource>, retire: Bool, now: PoolTimestamp
    ) -> ReturnAction {
        // currentSize no longer counts this resource: at maxSize or more, the pool shrank.
        if retire || isShutdown || now >= pooled.expiresAt || currentSize >= maxSize {
            closing += 1
            return .close(pooled.resource)
        }
        if !waiters.isEmpty, let first = waiters.popFirst() {
            inUse += 1
            counters.acquired += 1
            waits.record(now - first.enqueuedAt)
            return .resume(first.waiter, .resource(pooled))
        }
        var pooled = pooled
        pooled.lastReturnedAt = now
        pooled.needsCheck = false
        idle.append(pooled)
        return .none
    }

    private mutating func slotFreed(now: PoolTimestamp) -> SlotAction {
        guard !isShutdown, currentSize < maxSize, let first = waiters.popFirst() else { return .none }
        opening += 1
        counters.acquired += 1
        waits.record(now - first.enqueuedAt)
        return .grantPermit(first.waiter)
    }
}
