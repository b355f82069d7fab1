/// The sizing and timing settings of a ``ResourcePool``.
///
/// The defaults mirror SSM's Go pool: at most 10 resources, 2 kept open, idle ones closed
/// after 5 minutes, every resource replaced after 30 minutes, and a borrower waiting at
/// most 5 seconds for one.
public struct PoolConfiguration: Sendable, Hashable {
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

    /// Creates a configuration; every argument has the default of SSM's Go pool.
    public init(
        maxSize: Int = 10,
        minSize: Int = 2,
        idleTimeout: Duration = .seconds(300),
        maxLifetime: Duration = .seconds(1800),
        acquireTimeout: Duration = .seconds(5)
    ) {
        self.maxSize = maxSize
        self.minSize = minSize
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.acquireTimeout = acquireTimeout
    }

    /// Checks the settings.
    ///
    /// ``ResourcePool/init(factory:configuration:logger:)`` does not throw: it clamps the sizes
    /// (`maxSize` to at least 1, `minSize` to `0...maxSize`). Call this first to reject a bad
    /// configuration instead.
    ///
    /// - Throws: ``PoolConfigurationError`` naming the first invalid field: `maxSize < 1`,
    ///   `minSize < 0`, `minSize > maxSize`, or a duration that is not positive.
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
        let durations: [(String, Duration)] = [
            ("idleTimeout", idleTimeout), ("maxLifetime", maxLifetime), ("acquireTimeout", acquireTimeout),
        ]
        for (field, value) in durations where value <= .zero {
            throw PoolConfigurationError(field: field, message: "\(field) must be positive (is \(value))")
        }
    }
}
