import Logging
import SSMCore

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
        let adaptive: Bool =
            switch hsm.placement {
            case .callingTask, .adaptive: true
            case .threadPool: false
            }
        let pool = hsm.pool
        return [
            ("server.address", address),
            ("server.bodyLimit", "\(bodyLimit)"),
            ("server.shutdownTimeout", DurationParser.format(shutdownTimeout)),
            ("pkcs11.modulePath", hsm.modulePath),
            token,
            ("pkcs11.pin", hsm.pin.isEmpty ? "(not set)" : "(set, redacted)"),
            ("pkcs11.threads", "\(hsm.placement.threads)"),
            ("pkcs11.adaptive", "\(adaptive)"),
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
            ("transit.mount", transit.mount),
            ("transit.minAutoRotatePeriod", DurationParser.format(transit.minAutoRotatePeriod)),
            ("kms.socket", kms?.socket ?? "(none)"),
            ("kms.key", kms?.key ?? KMSSettings.defaultKey),
            ("kms.socketGroup", kms?.socketGroup ?? "(none)"),
        ] + securitySettings
    }

    /// The security settings for `ssm config check`: client ids, never their credentials.
    var securitySettings: [(key: String, value: String)] {
        let security = self.security
        var settings: [(key: String, value: String)] = [
            ("server.insecure", "\(security.insecure)"),
            ("server.maxConnections", "\(security.maxConnections)"),
            ("server.headerTimeout", DurationParser.format(security.headerTimeout)),
            ("server.requestTimeout", DurationParser.format(security.requestTimeout)),
            ("server.maxConnectionsPerAddress", "\(security.maxConnectionsPerAddress ?? 0)"),
            ("server.idleTimeout", security.idleTimeout.map(DurationParser.format) ?? "off"),
            ("server.unixSocket", security.unixSocket ?? "(none)"),
        ]
        if let tls = security.tls {
            settings += [
                ("tls.certificate", tls.certificate), ("tls.key", tls.key), ("tls.clientCA", tls.clientCA ?? "(none)"),
                ("tls.clientCertificate", tls.clientCA == nil ? "(not asked)" : tls.requireClientCertificate ? "required" : "optional"),
            ]
        } else {
            settings.append(("tls", "off"))
        }
        settings += [
            ("limits.rateLimit", security.rateLimit.requestsPerSecond > 0 ? "\(Int(security.rateLimit.requestsPerSecond))" : "off"),
            ("limits.burst", "\(security.rateLimit.burst)"),
            ("audit.file", security.audit?.file ?? "(none)"),
            ("audit.failOpen", "\(security.audit?.failOpen ?? false)"),
            ("audit.sync", (security.audit?.sync ?? .interval).rawValue),
            ("audit.sealInterval", DurationParser.format(security.audit?.sealInterval ?? .seconds(1))),
            ("login.keyLabel", security.login.keyLabel),
            ("login.tokenTTL", DurationParser.format(security.login.tokenTTL)),
            ("login.issuer", security.login.issuer),
            ("login.audience", security.login.audience),
            ("login.maxConcurrent", "\(security.login.maxConcurrent)"),
            ("login.maxQueued", "\(security.login.maxQueued)"),
            ("login.failuresPerMinute", security.login.failuresPerMinute > 0 ? "\(security.login.failuresPerMinute)" : "off"),
            ("login.failureBurst", "\(security.login.failureBurst)"),
            ("clients", security.clients.isEnforcing ? security.clients.clients.map(\.id).joined(separator: ", ") : "(none: the API is open)"),
        ]
        return settings
    }
}
