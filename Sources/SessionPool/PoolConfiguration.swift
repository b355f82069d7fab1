/// The sizing and timing settings of a ``ResourcePool``.
///
/// The defaults mirror SSM's Go pool: at most 10 resources, 2 kept open, idle ones closed
/// after 5 minutes, every resource replaced after 30 minutes, and a borrower waiting at
/// most 5 seconds for one. Beyond SSM: at most 1,024 borrowers wait (the next one fails at
/// once), and a resource idle for 30 seconds or more is checked before it is lent.
public struct PoolConfiguration: Sendable, Hashable {
    /// What a borrower does when every resource is lent and the pool is at `maxSize`.
    public enum OverflowPolicy: String, Sendable, Hashable, CaseIterable {
        /// Queue (up to `maxWaiters`) for at most `acquireTimeout`.
        case wait
        /// Fail at once with ``PoolError/exhausted``.
        case fail
        /// Open a temporary resource beyond `maxSize` (at most `maxOverflow` at once), closed
        /// after use; once `maxOverflow` are open, queue as with `wait`.
        case overflow
    }

    /// The most resources open at once (open, being opened and being closed). At least 1.
    public var maxSize: Int
    /// The resources kept open even when idle, opened at start-up by ``ResourcePool/prewarm()``.
    public var minSize: Int
    /// How long a resource may stay idle before it is closed (while more than `minSize` are open).
    public var idleTimeout: Duration
    /// How long a resource may live; an older one is closed when it is returned or found idle.
    public var maxLifetime: Duration
    /// How long a borrower waits for a resource before ``PoolError/acquireTimeout(_:)``.
    public var acquireTimeout: Duration
    /// The most borrowers queued at once; the next one fails at once with ``PoolError/queueFull(_:)``.
    public var maxWaiters: Int
    /// What a borrower does when the pool is full.
    public var overflow: OverflowPolicy
    /// The most temporary resources open at once under the `overflow` policy.
    public var maxOverflow: Int
    /// A resource idle for at least this long is checked (``PoolResourceFactory/check(_:)``)
    /// before it is lent, and closed instead if the check fails; nil: never. Idleness is
    /// judged by ``ResourcePool/run()``'s maintenance ticks, so up to one ``ResourcePool/maintenanceInterval`` late.
    public var checkAfterIdle: Duration?

    /// Creates a configuration; every argument has the default of SSM's Go pool, or ssm's own
    /// where SSM had none.
    public init(
        maxSize: Int = 10,
        minSize: Int = 2,
        idleTimeout: Duration = .seconds(300),
        maxLifetime: Duration = .seconds(1800),
        acquireTimeout: Duration = .seconds(5),
        maxWaiters: Int = 1024,
        overflow: OverflowPolicy = .wait,
        maxOverflow: Int = 10,
        checkAfterIdle: Duration? = .seconds(30)
    ) {
        self.maxSize = maxSize
        self.minSize = minSize
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.acquireTimeout = acquireTimeout
        self.maxWaiters = maxWaiters
        self.overflow = overflow
        self.maxOverflow = maxOverflow
        self.checkAfterIdle = checkAfterIdle
    }

    /// Checks the settings.
    ///
    /// ``ResourcePool/init(factory:configuration:logger:)`` does not throw: it clamps the sizes
    /// (`maxSize` to at least 1, `minSize` to `0...maxSize`). Call this first to reject a bad
    /// configuration instead.
    ///
    /// - Throws: ``PoolConfigurationError`` naming the first invalid field: `maxSize < 1`,
    ///   `minSize < 0`, `minSize > maxSize`, `maxWaiters < 0`, `maxOverflow < 0`, or a
    ///   duration that is not positive.
    public func validate() throws {
        guard maxSize >= 1 else {
            throw PoolConfigurationError(field: "maxSize", message: "maxSize must be at least 1 (is \(maxSize))")
        }
        guard minSize >= 0 else {
            throw PoolConfigurationError(field: "minSize", message: "minSize must not be negative (is \(minSize))")
        }
        guard minSize <= maxSize else {
            throw PoolConfigurationError(
                field: "minSize", message: "minSize (\(minSize)) must not exceed maxSize (\(maxSize))")
        }
        guard maxWaiters >= 0 else {
            throw PoolConfigurationError(field: "maxWaiters", message: "maxWaiters must not be negative (is \(maxWaiters))")
        }
        guard maxOverflow >= 0 else {
            throw PoolConfigurationError(field: "maxOverflow", message: "maxOverflow must not be negative (is \(maxOverflow))")
        }
        var durations: [(String, Duration)] = [
            ("idleTimeout", idleTimeout), ("maxLifetime", maxLifetime), ("acquireTimeout", acquireTimeout),
        ]
        if let checkAfterIdle { durations.append(("checkAfterIdle", checkAfterIdle)) }
        for (field, value) in durations where value <= .zero {
            throw PoolConfigurationError(field: field, message: "\(field) must be positive (is \(value))")
        }
    }
}
