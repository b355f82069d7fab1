import Foundation
import Logging
import SSMCore

extension Reader {
    /// Everything but the security settings, starting from the defaults of the settings types.
    func configuration() throws -> AppConfiguration {
        var pool = PoolConfiguration()
        try read(&pool.maxSize, "pool.maxSize", range: 1...10_000)
        try read(&pool.minSize, "pool.minSize", range: 0...10_000)
        try read(&pool.idleTimeout, "pool.idleTimeout")
        try read(&pool.maxLifetime, "pool.maxLifetime")
        try read(&pool.acquireTimeout, "pool.acquireTimeout")
        try read(&pool.maxWaiters, "pool.maxWaiters", range: 0...1_000_000)
        try read(&pool.overflow, "pool.overflow")
        try read(&pool.maxOverflow, "pool.maxOverflow", range: 0...10_000)
        try read(&pool.checkAfterIdle, "pool.checkAfterIdle")
        guard pool.minSize <= pool.maxSize else {
            throw ConfigurationError(key: "pool.minSize", "must not exceed pool.maxSize (\(pool.maxSize)), got \(pool.minSize)")
        }
        var threads = pool.maxSize
        try read(&threads, "pkcs11.threads", range: 0...1024)
        var adaptive = true
        try read(&adaptive, "pkcs11.inline")  // the earlier name of pkcs11.adaptive, still accepted
        try read(&adaptive, "pkcs11.adaptive")
        let placement: HSMCallPlacement =
            threads == 0 ? .callingTask : adaptive ? .adaptive(threads: threads) : .threadPool(threads: threads)
        var hsm = HSMConfiguration(
            modulePath: AppConfiguration.defaultModulePath, token: try token(), pin: try pin(), pool: pool,
            placement: placement, recovery: try recovery())
        read(&hsm.modulePath, "pkcs11.modulePath")
        try read(&hsm.keyCacheTTL, "keys.cacheTTL")

        var configuration = AppConfiguration(hsm: hsm)
        try address(&configuration.host, &configuration.port)
        try read(&configuration.bodyLimit, "server.bodyLimit", range: 1024...(64 << 20))
        try read(&configuration.shutdownTimeout, "server.shutdownTimeout")
        try read(&configuration.logLevel, "log.level")
        try read(&configuration.logFormat, "log.format")
        try read(&configuration.v1MaxBatch, "v1.maxBatch", range: 1...100_000)
        read(&configuration.transit.mount, "transit.mount")
        if let problem = TransitSettings.problem(mount: configuration.transit.mount) {
            throw ConfigurationError(key: "transit.mount", problem)
        }
        try read(&configuration.transit.minAutoRotatePeriod, "transit.minAutoRotatePeriod")
        configuration.kms = try kms()
        return configuration
    }

    func recovery() throws -> RecoveryConfiguration {
        var recovery = RecoveryConfiguration()
        try read(&recovery.healthCheckInterval, "pkcs11.healthCheckInterval")
        try read(&recovery.retryInterval, "pkcs11.retryInterval")
        // The default longest wait grows with a longer first wait; a longest wait set shorter is an error.
        recovery.maxRetryInterval = max(recovery.retryInterval, recovery.maxRetryInterval)
        let retry = recovery.retryInterval
        try read(&recovery.maxRetryInterval, "pkcs11.maxRetryInterval")
        guard recovery.maxRetryInterval >= retry else {
            throw ConfigurationError(key: "pkcs11.maxRetryInterval", "must not be shorter than pkcs11.retryInterval")
        }
        return recovery
    }

    /// `server.address`: `host:port`, `[v6]:port`.
    func address(_ host: inout String, _ port: inout Int) throws {
        let key = "server.address"
        guard let text = string(key) else { return }
        guard let colon = text.lastIndex(of: ":") else {
            throw ConfigurationError(key: key, "must be host:port, got '\(text)'")
        }
        var name = String(text[..<colon])
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        guard !name.isEmpty, let number = Int(text[text.index(after: colon)...]), (0...65535).contains(number) else {
            throw ConfigurationError(key: key, "must be host:port with a port from 0 to 65535, got '\(text)'")
        }
        (host, port) = (name, number)
    }

    func token() throws -> TokenSelector {
        let label = string("pkcs11.tokenLabel")
        let serial = string("pkcs11.tokenSerial")
        let slotText = string("pkcs11.slot")
        let given = [label != nil, serial != nil, slotText != nil].filter { $0 }.count
        guard given == 1 else {
            throw ConfigurationError(
                key: "pkcs11.tokenLabel",
                given == 0
                    ? "missing: set one of pkcs11.tokenLabel, pkcs11.slot or pkcs11.tokenSerial"
                    : "set only one of pkcs11.tokenLabel, pkcs11.slot and pkcs11.tokenSerial")
        }
        if let label { return .label(label) }
        if let serial { return .serial(serial) }
        var slot = 0
        try read(&slot, "pkcs11.slot", range: 0...Int.max)
        return .slot(UInt(slot))
    }

    /// `SSM_PKCS11_PIN` (the environment form of `pkcs11.pin`) wins over the file's
    /// `pkcs11.pin` and `pkcs11.pinFile`. The value is never printed.
    func pin() throws -> [UInt8] {
        let pinFile = string("pkcs11.pinFile")
        if let pin = string("pkcs11.pin", isSecret: true) {
            return Array(pin.utf8)
        }
        // pkcs11.pinFile, else a systemd credential named "pin" (LoadCredential=pin:/etc/ssm/pin).
        let credential = environment["CREDENTIALS_DIRECTORY"].map { $0 + "/pin" }
        guard let path = pinFile ?? credential.flatMap({ FileManager.default.fileExists(atPath: $0) ? $0 : nil })
        else {
            throw ConfigurationError(
                key: "pkcs11.pin", "missing: set pkcs11.pin, pkcs11.pinFile, SSM_PKCS11_PIN or the systemd credential 'pin'")
        }
        guard var data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: "pkcs11.pinFile", "cannot read '\(path)'")
        }
        defer { data.resetBytes(in: 0..<data.count) }
        var bytes = [UInt8](data)
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw ConfigurationError(key: "pkcs11.pinFile", "'\(path)' is empty") }
        return bytes
    }
}
