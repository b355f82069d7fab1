import Configuration
import Foundation
import Logging
import SSMCore
import SystemPackage

/// Everything `ssm serve` is configured with.
///
/// Read from a YAML file and the environment; every key can be overridden by an environment
/// variable named `SSM_` + the key in upper snake case (`pool.maxSize` → `SSM_POOL_MAX_SIZE`,
/// `pkcs11.pin` → `SSM_PKCS11_PIN`). The environment wins over the file.
public struct AppConfiguration: Sendable {
    /// Host to listen on.
    public var host: String
    /// Port to listen on.
    public var port: Int
    /// Largest request body accepted, in bytes (413 beyond).
    public var bodyLimit: Int
    /// How ssm reaches its token.
    public var hsm: HSMConfiguration
    /// Log level.
    public var logLevel: Logger.Level
    /// On SIGTERM, how long in-flight requests may take to finish before they are cancelled.
    public var shutdownTimeout: Duration
    /// Log line format (`log.format`: `text` or `json`).
    public var logFormat: LogFormat = .text
    /// Clients and policies, TLS, limits, audit log, login tokens.
    public var security = SecurityConfiguration()
    /// Problems that do not stop the daemon (a PIN in a file others can read, `insecure`),
    /// for `ssm serve` to log once logging is set up.
    public var warnings: [String] = []
    /// Most items of one Transit `batch_input` (`v1.maxBatch`).
    public var v1MaxBatch: Int = 1000
    /// The Transit mount and automatic rotation (`transit.*`).
    public var transit = TransitSettings()
    /// The Kubernetes KMS v2 plugin (`kms.*`), when `kms.socket` is set.
    public var kms: KMSSettings?

    /// Creates a configuration in code (tests, `ssm bench`). The defaults here are those of
    /// the configuration keys (``load(path:environment:)`` starts from them).
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
    /// - Parameter servingHTTP: whether the configuration is for a listener (`ssm serve`, `ssm
    ///   config check`): then a non-loopback address without TLS and clients is refused.
    ///   Commands that only reach the HSM (`ssm keys`) pass false.
    public static func load(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment, servingHTTP: Bool = true
    ) async throws -> AppConfiguration {
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
        try UnknownKeys.check(yaml: yaml, environment: environment)
        let reader = Reader(config: ConfigReader(providers: providers), environment: environment)
        var configuration = try reader.configuration()
        configuration.security = try reader.security(clients: ClientsFile.clients(yaml: yaml))
        if servingHTTP { try configuration.checkListener() }
        configuration.warnings =
            configuration.securityWarnings(configPath: path, holdsPIN: reader.fileHoldsPIN(yaml))
            + (try ClientsFile.bareIdentityWarnings(yaml: yaml))
        return configuration
    }
}

/// The Vault Transit API's settings.
public struct TransitSettings: Sendable, Equatable {
    /// The mount: the Transit routes are `/v1/<mount>/...` (`transit.mount`, default
    /// `transit`, as in Vault); one or more segments of `A-Z a-z 0-9 _ . -` separated by `/`,
    /// not starting with `sys` or `auth`.
    public var mount: String
    /// The shortest `auto_rotate_period` a key may have (`transit.minAutoRotatePeriod`,
    /// default 1h, as in Vault).
    public var minAutoRotatePeriod: Duration

    /// Settings in code.
    public init(mount: String = "transit", minAutoRotatePeriod: Duration = .seconds(3600)) {
        self.mount = mount
        self.minAutoRotatePeriod = minAutoRotatePeriod
    }

    /// Why `mount` is not a valid mount, or nil.
    public static func problem(mount: String) -> String? {
        let segments = mount.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...128).contains(mount.utf8.count), !segments.contains(where: \.isEmpty),
            segments.allSatisfy({ segment in
                segment.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                        || byte == 0x5f || byte == 0x2e || byte == 0x2d
                }
            })
        else { return "must be 1 to 128 characters: segments of A-Z a-z 0-9 _ . - separated by /" }
        guard let first = segments.first, first != "sys", first != "auth" else {
            return "must not start with sys or auth (Vault's own paths)"
        }
        return nil
    }
}
