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

    /// Creates a configuration; `placement` defaults to a thread pool as large as the session pool.
    public init(
        modulePath: String,
        token: TokenSelector,
        pin: [UInt8],
        pool: PoolConfiguration = PoolConfiguration(),
        placement: HSMCallPlacement? = nil,
        keyCacheTTL: Duration = .seconds(60)
    ) {
        self.modulePath = modulePath
        self.token = token
        self.pin = pin
        self.pool = pool
        self.placement = placement ?? .threadPool(threads: pool.maxSize)
        self.keyCacheTTL = keyCacheTTL
    }
}
