import Configuration
import Foundation
import Logging
import PKCS11
import SSMCore
import SessionPool
import SystemPackage

/// Everything `ssm serve` is configured with.
///
/// Read from a YAML file and the environment; every key can be overridden by an environment
/// variable named `SSM_` + the key in upper snake case (`pool.maxSize` → `SSM_POOL_MAX_SIZE`,
/// `pkcs11.pin` → `SSM_PKCS11_PIN`). The environment wins over the file.
public struct AppConfiguration: Sendable {
    /// Host to listen on.
    public var host: String = "127.0.0.1"
    /// Port to listen on.
    public var port: Int = 8080
    /// Largest request body accepted, in bytes (413 beyond).
    public var bodyLimit: Int = 1 << 20
    /// How ssm reaches its token.
    public var hsm: HSMConfiguration
    /// Log level.
    public var logLevel: Logger.Level = .info
    /// On SIGTERM, how long in-flight requests may take to finish before they are cancelled.
    public var shutdownTimeout: Duration = .seconds(30)
    /// Log line format (`log.format`: `text` or `json`).
    public var logFormat: LogFormat = .text
    /// Clients and policies, TLS, limits, audit log, login tokens.
    public var security = SecurityConfiguration()
    /// Problems that do not stop the daemon (a PIN in a file others can read, `insecure`),
    /// for `ssm serve` to log once logging is set up.
    public var warnings: [String] = []
    /// Most items of one `/v1` `batch_input` (`v1.maxBatch`).
    public var v1MaxBatch: Int = 1000

    /// Creates a configuration in code (tests, `ssm bench`).
    public init(
        host: String = "127.0.0.1", port: Int = 8080, bodyLimit: Int = 1 << 20, hsm: HSMConfiguration,
        logLevel: Logger.Level = .info, shutdownTimeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.hsm = hsm
        self.logLevel = logLevel
        self.shutdownTimeout = shutdownTimeout
    }
}

extension AppConfiguration {
    /// Default module path (Debian's SoftHSM).
    public static let defaultModulePath = "/usr/lib/softhsm/libsofthsm2.so"

    /// Loads the configuration from `path` (optional) and `environment`.
    ///
    /// - Throws: ``ConfigurationError`` naming the key and the problem.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> AppConfiguration {
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "ssm")
        ]
        var yaml = ""
        if let path {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ConfigurationError(key: "--config", "cannot read '\(path)'")
            }
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)))
            } catch {
                // Only the first line: YAML parsers quote the offending source line after it,
                // which could be the PIN's.
                let reason = "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
                throw ConfigurationError(key: "--config", "'\(path)' is not valid YAML: \(reason)")
            }
            yaml = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }
        let reader = Reader(config: ConfigReader(providers: providers), environment: environment)
        var configuration = try reader.configuration()
        configuration.security = try reader.security(clients: ClientsFile.clients(yaml: yaml))
        try configuration.checkListener()
        configuration.warnings = configuration.securityWarnings(configPath: path, holdsPIN: reader.fileHoldsPIN(yaml))
        return configuration
    }
}

/// Reads and checks each key, turning every problem into one ``ConfigurationError``.
struct Reader {
    let config: ConfigReader
    var environment: [String: String] = [:]

    func configuration() throws -> AppConfiguration {
        let (host, port) = try address()
        let pool = try poolConfiguration()
        let threads = try integer("pkcs11.threads", default: pool.maxSize, range: 0...1024)
        let hsm = HSMConfiguration(
            modulePath: string("pkcs11.modulePath") ?? AppConfiguration.defaultModulePath,
            token: try token(),
            pin: try pin(),
            pool: pool,
            placement: threads == 0 ? .callingTask : .threadPool(threads: threads),
            keyCacheTTL: try duration("keys.cacheTTL", default: .seconds(60)),
            recovery: try recovery())
        var configuration = AppConfiguration(
            host: host, port: port,
            bodyLimit: try integer("server.bodyLimit", default: 1 << 20, range: 1024...(64 << 20)),
            hsm: hsm, logLevel: try logLevel(),
            shutdownTimeout: try duration("server.shutdownTimeout", default: .seconds(30)))
        configuration.logFormat = try logFormat()
        configuration.v1MaxBatch = try integer("v1.maxBatch", default: 1000, range: 1...100_000)
        return configuration
    }

    func recovery() throws -> RecoveryConfiguration {
        let defaults = RecoveryConfiguration()
        let retry = try duration("pkcs11.retryInterval", default: defaults.retryInterval)
        let maxRetry = try duration("pkcs11.maxRetryInterval", default: max(retry, defaults.maxRetryInterval))
        guard maxRetry >= retry else {
            throw ConfigurationError(key: "pkcs11.maxRetryInterval", "must not be shorter than pkcs11.retryInterval")
        }
        return RecoveryConfiguration(
            healthCheckInterval: try duration("pkcs11.healthCheckInterval", default: defaults.healthCheckInterval),
            retryInterval: retry, maxRetryInterval: maxRetry)
    }

    func string(_ key: String, isSecret: Bool = false) -> String? {
        guard let value = config.string(forKey: ConfigKey(key), isSecret: isSecret), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(key) else { return value }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(key: key, "must be an integer, got '\(text)'")
        }
        guard range.contains(number) else {
            throw ConfigurationError(key: key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    func duration(_ key: String, default value: Duration) throws -> Duration {
        guard let text = string(key) else { return value }
        guard let duration = DurationParser.parse(text) else {
            throw ConfigurationError(key: key, "must be a duration such as 250ms, 5s, 5m or 1h, got '\(text)'")
        }
        guard duration > .zero else { throw ConfigurationError(key: key, "must be greater than zero") }
        return duration
    }

    /// A duration, or `off` for none.
    func optionalDuration(_ key: String, default value: Duration?) throws -> Duration? {
        guard let text = string(key) else { return value }
        if text.lowercased() == "off" { return nil }
        return try duration(key, default: .zero)  // the key is set: the default is not used
    }

    func overflowPolicy() throws -> PoolConfiguration.OverflowPolicy {
        let key = "pool.overflow"
        guard let text = string(key) else { return .wait }
        guard let policy = PoolConfiguration.OverflowPolicy(rawValue: text.lowercased()) else {
            let names = PoolConfiguration.OverflowPolicy.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(key: key, "must be one of \(names), got '\(text)'")
        }
        return policy
    }

    func address() throws -> (String, Int) {
        let key = "server.address"
        guard let text = string(key) else { return ("127.0.0.1", 8080) }
        guard let colon = text.lastIndex(of: ":") else {
            throw ConfigurationError(key: key, "must be host:port, got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError(key: key, "must be host:port with a port from 0 to 65535, got '\(text)'")
        }
        return (host, port)
    }

    func poolConfiguration() throws -> PoolConfiguration {
        let defaults = PoolConfiguration()
        let pool = PoolConfiguration(
            maxSize: try integer("pool.maxSize", default: defaults.maxSize, range: 1...10_000),
            minSize: try integer("pool.minSize", default: defaults.minSize, range: 0...10_000),
            idleTimeout: try duration("pool.idleTimeout", default: defaults.idleTimeout),
            maxLifetime: try duration("pool.maxLifetime", default: defaults.maxLifetime),
            acquireTimeout: try duration("pool.acquireTimeout", default: defaults.acquireTimeout),
            maxWaiters: try integer("pool.maxWaiters", default: defaults.maxWaiters, range: 0...1_000_000),
            overflow: try overflowPolicy(),
            maxOverflow: try integer("pool.maxOverflow", default: defaults.maxOverflow, range: 0...10_000),
            checkAfterIdle: try optionalDuration("pool.checkAfterIdle", default: defaults.checkAfterIdle))
        guard pool.minSize <= pool.maxSize else {
            throw ConfigurationError(key: "pool.minSize", "must not exceed pool.maxSize (\(pool.maxSize)), got \(pool.minSize)")
        }
        return pool
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
        guard let slotText, let slot = UInt(slotText.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(key: "pkcs11.slot", "must be a slot id (a non-negative integer), got '\(slotText ?? "")'")
        }
        return .slot(slot)
    }

    /// `SSM_PKCS11_PIN` (the environment form of `pkcs11.pin`) wins over the file's
    /// `pkcs11.pin` and `pkcs11.pinFile`. The value is never printed.
    func pin() throws -> [UInt8] {
        if let pin = string("pkcs11.pin", isSecret: true) {
            return Array(pin.utf8)
        }
        // pkcs11.pinFile, else a systemd credential named "pin" (LoadCredential=pin:/etc/ssm/pin).
        let credential = environment["CREDENTIALS_DIRECTORY"].map { $0 + "/pin" }
        guard let path = string("pkcs11.pinFile") ?? credential.flatMap({ FileManager.default.fileExists(atPath: $0) ? $0 : nil })
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

    func logFormat() throws -> LogFormat {
        guard let text = string("log.format") else { return .text }
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            let names = LogFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(key: "log.format", "must be one of \(names), got '\(text)'")
        }
        return format
    }

    func logLevel() throws -> Logger.Level {
        guard let text = string("log.level") else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(key: "log.level", "must be one of \(names), got '\(text)'")
        }
        return level
    }
}
