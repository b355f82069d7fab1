import PKCS11
import SessionPool

/// What ssm needs to reach its HSM: the module, the token, the PIN and the pool's settings.
public struct HSMConfiguration: Sendable {
    /// Path of the PKCS#11 module (shared library) to `dlopen`.
    public var modulePath: String
    /// Which token to use.
    public var token: TokenSelector
    /// The user PIN. Never logged. ``HSM/connect(_:logger:)`` keeps its own copy (a `Secret`,
    /// zeroed when the HSM is released, used to log in again if the token forgets the login):
    /// clear this array once it returns with `zeroize()` (Swift arrays are copy-on-write, so
    /// only the last holder can clear the bytes in place).
    public var pin: [UInt8]
    /// Session pool settings.
    public var pool: PoolConfiguration
    /// Where blocking PKCS#11 calls run.
    public var placement: HSMCallPlacement
    /// How long a label's key handles are cached before they are looked up again
    /// (keys created by another process show up after at most this long).
    public var keyCacheTTL: Duration
    /// Health checks and reconnection after the device is lost.
    public var recovery: RecoveryConfiguration

    /// Creates a configuration; `placement` defaults to a thread per core while the module is
    /// fast, else a thread pool as large as the session pool.
    public init(
        modulePath: String,
        token: TokenSelector,
        pin: [UInt8],
        pool: PoolConfiguration = PoolConfiguration(),
        placement: HSMCallPlacement? = nil,
        keyCacheTTL: Duration = .seconds(60),
        recovery: RecoveryConfiguration = RecoveryConfiguration()
    ) {
        self.modulePath = modulePath
        self.token = token
        self.pin = pin
        self.pool = pool
        self.placement = placement ?? .adaptive(threads: pool.maxSize)
        self.keyCacheTTL = keyCacheTTL
        self.recovery = recovery
    }
}

extension HSMConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// Every setting but the PIN, which shows as `<redacted>` (so that no log or dump of a
    /// configuration, e.g. ServiceLifecycle's list of services, can carry it).
    public var description: String {
        "HSMConfiguration(modulePath: \(modulePath), token: \(token), pin: <redacted>, pool: \(pool), "
            + "placement: \(placement), keyCacheTTL: \(keyCacheTTL), recovery: \(recovery))"
    }

    public var debugDescription: String { description }
}

/// How ssm watches its HSM and reconnects when the device is lost.
public struct RecoveryConfiguration: Sendable, Hashable {
    /// How often the logged-in anchor session is checked (`C_GetSessionInfo`), which also keeps
    /// it alive on HSMs that expire idle sessions.
    public var healthCheckInterval: Duration
    /// The wait before the first reconnection attempt after the device is lost; doubled after
    /// each failed attempt, up to `maxRetryInterval`.
    public var retryInterval: Duration
    /// The longest wait between reconnection attempts.
    public var maxRetryInterval: Duration

    /// Creates a configuration: a health check every 10 s, reconnection attempts after 100 ms,
    /// then at most every 500 ms (so ssm is back within about half a second of the HSM).
    public init(
        healthCheckInterval: Duration = .seconds(10), retryInterval: Duration = .milliseconds(100),
        maxRetryInterval: Duration = .milliseconds(500)
    ) {
        self.healthCheckInterval = healthCheckInterval
        self.retryInterval = retryInterval
        self.maxRetryInterval = max(retryInterval, maxRetryInterval)
    }
}
