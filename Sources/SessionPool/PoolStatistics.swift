/// A snapshot of a ``ResourcePool``'s state and counters, from ``ResourcePool/statistics()``.
///
/// Sizes describe the moment of the snapshot; counters count since the pool was created.
public struct PoolStatistics: Sendable, Hashable, Codable {
    /// The effective maximum: the configured one capped by the factory's `resourceLimit`.
    public var maxSize: Int
    /// The resources kept open when idle (clamped to `maxSize`).
    public var minSize: Int
    /// Resources that exist or are about to: idle, lent, being opened and being closed.
    public var currentSize: Int
    /// Idle resources, ready to lend.
    public var available: Int
    /// Resources lent to borrowers.
    public var inUse: Int
    /// Borrowers waiting for a resource.
    public var waiters: Int
    /// Resources opened successfully.
    public var created: UInt64
    /// Resources closed (idle reaping, lifetime, fatal errors, shutdown).
    public var closed: UInt64
    /// Successful acquisitions: a resource or a permit to open one was handed to a borrower.
    public var acquired: UInt64
    /// Borrowers that gave up with ``PoolError/acquireTimeout(_:)``.
    public var timeouts: UInt64
    /// Failed opens plus borrower errors the factory judged fatal.
    public var errors: UInt64
    /// Waiting borrowers whose task was cancelled.
    public var cancelled: UInt64
    /// How long recent acquisitions waited.
    public var acquireWait: WaitStatistics
    /// The most borrowers allowed to wait.
    public var maxWaiters: Int
    /// Temporary resources beyond `maxSize` lent now (overflow policy).
    public var overflowInUse: Int
    /// Temporary resources opened beyond `maxSize` (overflow policy).
    public var overflowOpened: UInt64
    /// Borrowers refused at once: queue full, or pool full under the `fail` policy.
    public var rejected: UInt64
    /// Idle resources that failed their check before lending, and were closed.
    public var checksFailed: UInt64

    /// Creates a snapshot from its parts.
    public init(
        maxSize: Int, minSize: Int, currentSize: Int, available: Int, inUse: Int, waiters: Int,
        created: UInt64, closed: UInt64, acquired: UInt64, timeouts: UInt64, errors: UInt64, cancelled: UInt64,
        acquireWait: WaitStatistics, maxWaiters: Int = 0, overflowInUse: Int = 0, overflowOpened: UInt64 = 0,
        rejected: UInt64 = 0, checksFailed: UInt64 = 0
    ) {
        self.maxSize = maxSize
        self.minSize = minSize
        self.currentSize = currentSize
        self.available = available
        self.inUse = inUse
        self.waiters = waiters
        self.created = created
        self.closed = closed
        self.acquired = acquired
        self.timeouts = timeouts
        self.errors = errors
        self.cancelled = cancelled
        self.acquireWait = acquireWait
        self.maxWaiters = maxWaiters
        self.overflowInUse = overflowInUse
        self.overflowOpened = overflowOpened
        self.rejected = rejected
        self.checksFailed = checksFailed
    }
}
