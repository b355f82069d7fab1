import Foundation
import NIOCore

extension AppConfiguration {
    /// Whether `host` is `localhost` or, parsed as an IP address, a loopback one (127.0.0.0/8,
    /// `::1`, or an IPv4 loopback address mapped into IPv6). A name such as `127.example.com`
    /// is not.
    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return false }
        // The canonical text of the parsed address (inet_ntop): "127.0.0.1"; "::1", or
        // "::ffff:127.0.0.1" for an IPv4 address mapped into IPv6.
        guard let text = address.ipAddress else { return false }
        switch address {
        case .v4: return text.split(separator: ".").first == "127"
        case .v6: return text == "::1" || (text.hasPrefix("::ffff:") && text.dropFirst(7).split(separator: ".").first == "127")
        case .unixDomainSocket: return false
        }
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
