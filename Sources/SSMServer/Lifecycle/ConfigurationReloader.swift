import Logging
import SSMCore
import ServiceLifecycle
import UnixSignals

/// Re-reads the configuration on SIGHUP and applies what can change while ssm runs: the pool's
/// sizes, timeouts and overload settings, the log level, and the PIN (ssm logs in with the new
/// one; see ``HSM/changePIN(_:)``), and reopens the audit log (for log rotation: `mv` the file,
/// then SIGHUP; see ``AuditLog/reopen()``). Requests keep being served throughout.
///
/// Settings that need a restart (address, module, token, threads, body limit, key cache,
/// recovery intervals, shutdown timeout, log format) are
/// left as they are, with a warning naming them. An invalid file changes nothing.
public struct ConfigurationReloader: Service, CustomStringConvertible {
    /// What a reload did.
    public enum Outcome: Sendable, Equatable {
        /// The new settings are in use; these keys would need a restart to change.
        case applied(needsRestart: [String])
        /// Nothing changed: the configuration could not be read, or the PIN was refused.
        case failed(String)
    }

    private let hsm: HSM
    private let logLevel: LogLevelControl?
    private let load: @Sendable () async throws -> AppConfiguration
    private let started: AppConfiguration
    private let logger: Logger
    private let audit: AuditLog?

    /// - Parameters:
    ///   - started: the configuration ssm started with (to name the settings that need a restart).
    ///   - load: reads the configuration again (file and environment).
    ///   - audit: the audit log to reopen, if any.
    public init(
        hsm: HSM, started: AppConfiguration, logLevel: LogLevelControl?, logger: Logger, audit: AuditLog? = nil,
        load: @escaping @Sendable () async throws -> AppConfiguration
    ) {
        self.hsm = hsm
        self.audit = audit
        var started = started
        started.hsm.pin = []  // not kept: only the settings that need a restart are compared
        self.started = started
        self.logLevel = logLevel
        self.logger = logger
        self.load = load
    }

    /// `ConfigurationReloader` (ServiceLifecycle logs its services).
    public var description: String { "ConfigurationReloader" }

    /// Reloads on every SIGHUP until graceful shutdown.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP: reloading the configuration")
            _ = await reload()
            if let audit {
                do {
                    try await audit.reopen()
                    logger.notice("audit log reopened", metadata: ["file": "\(audit.path)"])
                } catch {
                    logger.critical("audit log cannot be reopened", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Reads the configuration and applies it.
    public func reload() async -> Outcome {
        var configuration: AppConfiguration
        do {
            configuration = try await load()
        } catch {
            logger.error("configuration reload failed; keeping the current settings", metadata: ["error": "\(error)"])
            return .failed("\(error)")
        }
        defer { configuration.hsm.pin.zeroize() }
        do {
            try await hsm.changePIN(configuration.hsm.pin)
        } catch {
            return .failed("\(error)")
        }
        do {
            try await hsm.reconfigure(pool: configuration.hsm.pool)
        } catch {
            logger.error("invalid pool settings; keeping the current ones", metadata: ["error": "\(error)"])
            return .failed("\(error)")
        }
        logLevel?.level = configuration.logLevel
        let needsRestart = restartOnly(configuration)
        if !needsRestart.isEmpty {
            logger.warning(
                "these settings change only with a restart", metadata: ["keys": "\(needsRestart.joined(separator: ", "))"])
        }
        logger.notice(
            "configuration reloaded",
            metadata: ["pool.maxSize": "\(configuration.hsm.pool.maxSize)", "log.level": "\(configuration.logLevel)"])
        return .applied(needsRestart: needsRestart)
    }

    private func restartOnly(_ new: AppConfiguration) -> [String] {
        var keys: [String] = []
        if new.host != started.host || new.port != started.port { keys.append("server.address") }
        if new.bodyLimit != started.bodyLimit { keys.append("server.bodyLimit") }
        if new.hsm.modulePath != started.hsm.modulePath { keys.append("pkcs11.modulePath") }
        if new.hsm.token != started.hsm.token { keys.append("pkcs11.tokenLabel") }
        if new.hsm.placement != started.hsm.placement {
            keys.append(new.hsm.placement.threads != started.hsm.placement.threads ? "pkcs11.threads" : "pkcs11.adaptive")
        }
        if new.hsm.keyCacheTTL != started.hsm.keyCacheTTL { keys.append("keys.cacheTTL") }
        if new.hsm.recovery != started.hsm.recovery { keys.append("pkcs11.healthCheckInterval/retryInterval") }
        if new.shutdownTimeout != started.shutdownTimeout { keys.append("server.shutdownTimeout") }
        if new.logFormat != started.logFormat { keys.append("log.format") }
        if new.kms != started.kms { keys.append("kms.*") }
        return keys
    }
}
