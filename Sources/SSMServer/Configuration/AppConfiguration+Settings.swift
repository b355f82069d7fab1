import Logging
import PKCS11
import SSMCore
import SessionPool

extension AppConfiguration {
    /// The effective settings as configuration keys and values, in the order of
    /// `config/ssm.yaml`, for `ssm config check`. The PIN is never shown: only that one is set.
    public var effectiveSettings: [(key: String, value: String)] {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let token: (key: String, value: String)
        switch hsm.token {
        case .label(let label): token = ("pkcs11.tokenLabel", label)
        case .serial(let serial): token = ("pkcs11.tokenSerial", serial)
        case .slot(let slot): token = ("pkcs11.slot", "\(slot)")
        }
        let threads: Int =
            switch hsm.placement {
            case .callingTask: 0
            case .threadPool(let threads): threads
            }
        let pool = hsm.pool
        return [
            ("server.address", address),
            ("server.bodyLimit", "\(bodyLimit)"),
            ("server.shutdownTimeout", DurationParser.format(shutdownTimeout)),
            ("pkcs11.modulePath", hsm.modulePath),
            token,
            ("pkcs11.pin", hsm.pin.isEmpty ? "(not set)" : "(set, redacted)"),
            ("pkcs11.threads", "\(threads)"),
            ("pkcs11.healthCheckInterval", DurationParser.format(hsm.recovery.healthCheckInterval)),
            ("pkcs11.retryInterval", DurationParser.format(hsm.recovery.retryInterval)),
            ("pkcs11.maxRetryInterval", DurationParser.format(hsm.recovery.maxRetryInterval)),
            ("pool.maxSize", "\(pool.maxSize)"),
            ("pool.minSize", "\(pool.minSize)"),
            ("pool.idleTimeout", DurationParser.format(pool.idleTimeout)),
            ("pool.maxLifetime", DurationParser.format(pool.maxLifetime)),
            ("pool.acquireTimeout", DurationParser.format(pool.acquireTimeout)),
            ("pool.maxWaiters", "\(pool.maxWaiters)"),
            ("pool.overflow", pool.overflow.rawValue),
            ("pool.maxOverflow", "\(pool.maxOverflow)"),
            ("pool.checkAfterIdle", pool.checkAfterIdle.map(DurationParser.format) ?? "off"),
            ("keys.cacheTTL", DurationParser.format(hsm.keyCacheTTL)),
            ("log.level", logLevel.rawValue),
            ("log.format", logFormat.rawValue),
            ("v1.maxBatch", "\(v1MaxBatch)"),
        ]
    }
}
