extension AppConfiguration {
    /// Every configuration key ssm reads, as written in YAML, in the order of README's table.
    /// A key in the file or an `SSM_*` variable that is not one of these stops start-up
    /// (``UnknownKeys``); `clients:` is read on its own (``ClientsFile``).
    public static let keys: [String] = [
        "server.address", "server.bodyLimit", "server.shutdownTimeout",
        "pkcs11.modulePath", "pkcs11.tokenLabel", "pkcs11.slot", "pkcs11.tokenSerial", "pkcs11.pin", "pkcs11.pinFile",
        "pkcs11.threads", "pkcs11.adaptive", "pkcs11.inline", "pkcs11.healthCheckInterval", "pkcs11.retryInterval", "pkcs11.maxRetryInterval",
        "pool.maxSize", "pool.minSize", "pool.idleTimeout", "pool.maxLifetime", "pool.acquireTimeout", "pool.maxWaiters",
        "pool.overflow", "pool.maxOverflow", "pool.checkAfterIdle",
        "keys.cacheTTL",
        "log.level", "log.format",
        "v1.maxBatch", "transit.mount", "transit.minAutoRotatePeriod",
        "kms.socket", "kms.key", "kms.socketGroup",
        "server.insecure", "server.maxConnections", "server.headerTimeout", "server.requestTimeout",
        "server.maxConnectionsPerAddress", "server.idleTimeout", "server.unixSocket",
        "tls.certificate", "tls.key", "tls.clientCA", "tls.clientCertificate",
        "limits.rateLimit", "limits.burst",
        "audit.file", "audit.failOpen", "audit.sync", "audit.sealInterval",
        "login.keyLabel", "login.tokenTTL", "login.issuer", "login.audience",
        "login.maxConcurrent", "login.maxQueued", "login.failuresPerMinute", "login.failureBurst",
    ]

    /// The environment variable that overrides `key`: `SSM_` and the key in upper snake case
    /// (`pool.maxSize` → `SSM_POOL_MAX_SIZE`), as swift-configuration's environment provider
    /// names it.
    public static func environmentVariable(for key: String) -> String {
        var name = "SSM"
        for component in key.split(separator: ".") {
            name += "_"
            var previous: Character?
            for character in component {
                if let previous, previous.isLowercase, character.isUppercase { name += "_" }
                name += character.isLetter || character.isNumber ? character.uppercased() : "_"
                previous = character
            }
        }
        return name
    }
}
