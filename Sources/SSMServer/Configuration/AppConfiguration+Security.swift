import Configuration
import Foundation

extension Reader {
    /// The security settings (`server.insecure`, `server.maxConnections`, timeouts, `tls.*`,
    /// `limits.*`, `audit.*`, `login.*`) with the clients read from the file.
    func security(clients: [Client]) throws -> SecurityConfiguration {
        var security = SecurityConfiguration()
        security.clients = ClientRegistry(clients)
        security.insecure = try bool("server.insecure", default: false)
        security.maxConnections = try integer("server.maxConnections", default: 4096, range: 1...1_000_000)
        security.headerTimeout = try duration("server.headerTimeout", default: .seconds(30))
        security.requestTimeout = try duration("server.requestTimeout", default: .seconds(60))
        let perAddress = try integer("server.maxConnectionsPerAddress", default: 0, range: 0...1_000_000)
        security.maxConnectionsPerAddress = perAddress == 0 ? nil : perAddress
        security.idleTimeout = try optionalDuration("server.idleTimeout", default: .seconds(60))
        security.unixSocket = string("server.unixSocket")
        let certificate = string("tls.certificate")
        let key = string("tls.key")
        switch (certificate, key) {
        case (let certificate?, let key?):
            let mode = string("tls.clientCertificate")?.lowercased() ?? "required"
            guard mode == "required" || mode == "optional" else {
                throw ConfigurationError(key: "tls.clientCertificate", "must be required or optional, got '\(mode)'")
            }
            security.tls = TLSSettings(
                certificate: certificate, key: key, clientCA: string("tls.clientCA"), requireClientCertificate: mode == "required")
        case (nil, nil):
            if string("tls.clientCA") != nil {
                throw ConfigurationError(key: "tls.clientCA", "needs tls.certificate and tls.key")
            }
        default:
            throw ConfigurationError(key: certificate == nil ? "tls.certificate" : "tls.key", "set both tls.certificate and tls.key")
        }
        let rate = try integer("limits.rateLimit", default: 0, range: 0...1_000_000)
        security.rateLimit = RateLimitSettings(
            requestsPerSecond: Double(rate), burst: try integer("limits.burst", default: max(rate, 20), range: 1...1_000_000))
        if let file = string("audit.file") {
            security.audit = AuditSettings(file: file, failOpen: try bool("audit.failOpen", default: false))
        }
        security.login.keyLabel = string("login.keyLabel") ?? security.login.keyLabel
        security.login.tokenTTL = try duration("login.tokenTTL", default: security.login.tokenTTL)
        security.login.issuer = string("login.issuer") ?? security.login.issuer
        security.login.audience = string("login.audience") ?? security.login.audience
        return security
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let text = string(key)?.lowercased() else { return value }
        switch text {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigurationError(key: key, "must be true or false, got '\(text)'")
        }
    }

    /// Whether the YAML text sets `pkcs11.pin` (a line `pin:` with a value).
    func fileHoldsPIN(_ yaml: String) -> Bool {
        yaml.split(separator: "\n").contains { line in
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("pin:") else { return false }
            let value = trimmed.dropFirst(4).prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            return !value.isEmpty && value != "\"\"" && value != "''"
        }
    }
}

extension AppConfiguration {
    /// Whether `host` is a loopback address (or `localhost`).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Refuses a non-loopback address without TLS and clients, unless `server.insecure`.
    func checkListener() throws {
        guard !Self.isLoopback(host), !security.insecure else { return }
        if security.tls == nil || !security.clients.isEnforcing {
            throw ConfigurationError(
                key: "server.address",
                "'\(host)' is not a loopback address: configure tls.certificate/tls.key and clients, "
                    + "or set server.insecure: true to accept the risk")
        }
    }

    /// Warnings for `ssm serve` to log: `insecure` in use, a PIN in a file others can read.
    func securityWarnings(configPath: String?, holdsPIN: Bool) -> [String] {
        var warnings: [String] = []
        if !Self.isLoopback(host) && (security.tls == nil || !security.clients.isEnforcing) {
            warnings.append(
                "server.insecure: listening on \(host) without \(security.tls == nil ? "TLS" : "clients"): anyone who reaches it can use the keys")
        }
        if let configPath, holdsPIN,
            let attributes = try? FileManager.default.attributesOfItem(atPath: configPath),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o044 != 0
        {
            warnings.append(
                "\(configPath) holds the PIN and is readable by others (mode \(String(mode, radix: 8))): chmod 600 it, or use pkcs11.pinFile")
        }
        return warnings
    }
}
