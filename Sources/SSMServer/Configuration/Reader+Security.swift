import Foundation

/// `tls.clientCertificate`: whether a client certificate is `required` or `optional`.
enum ClientCertificateMode: String, CaseIterable {
    case required, optional
}

extension Reader {
    /// The security settings (`server.*`, `tls.*`, `limits.*`, `audit.*`, `login.*`) with the
    /// clients read from the file, starting from the defaults of ``SecurityConfiguration``.
    func security(clients: [Client]) throws -> SecurityConfiguration {
        var security = SecurityConfiguration()
        security.clients = ClientRegistry(clients)
        try read(&security.insecure, "server.insecure")
        try read(&security.maxConnections, "server.maxConnections", range: 1...1_000_000)
        try read(&security.headerTimeout, "server.headerTimeout")
        try read(&security.requestTimeout, "server.requestTimeout")
        var perAddress = security.maxConnectionsPerAddress ?? 0
        try read(&perAddress, "server.maxConnectionsPerAddress", range: 0...1_000_000)
        security.maxConnectionsPerAddress = perAddress == 0 ? nil : perAddress
        try read(&security.idleTimeout, "server.idleTimeout")
        read(&security.unixSocket, "server.unixSocket")
        security.tls = try tls()
        var rate = Int(security.rateLimit.requestsPerSecond)
        try read(&rate, "limits.rateLimit", range: 0...1_000_000)
        security.rateLimit.requestsPerSecond = Double(rate)
        security.rateLimit.burst = max(rate, security.rateLimit.burst)  // the default burst grows with the rate
        try read(&security.rateLimit.burst, "limits.burst", range: 1...1_000_000)
        var audit = AuditSettings(file: "")
        read(&audit.file, "audit.file")
        try read(&audit.failOpen, "audit.failOpen")
        try read(&audit.sync, "audit.sync")
        try read(&audit.sealInterval, "audit.sealInterval")
        guard audit.sealInterval >= .milliseconds(10), audit.sealInterval <= .seconds(3600) else {
            throw ConfigurationError(key: "audit.sealInterval", "must be between 10ms and 1h")
        }
        security.audit = audit.file.isEmpty ? nil : audit
        read(&security.login.keyLabel, "login.keyLabel")
        try read(&security.login.tokenTTL, "login.tokenTTL")
        read(&security.login.issuer, "login.issuer")
        read(&security.login.audience, "login.audience")
        try read(&security.login.maxConcurrent, "login.maxConcurrent", range: 1...1024)
        try read(&security.login.maxQueued, "login.maxQueued", range: 0...100_000)
        try read(&security.login.failuresPerMinute, "login.failuresPerMinute", range: 0...1_000_000)
        try read(&security.login.failureBurst, "login.failureBurst", range: 1...1_000_000)
        return security
    }

    /// `tls.*`: nil for plain HTTP; every key is read (and so checked) either way.
    func tls() throws -> TLSSettings? {
        var certificate: String?, key: String?, clientCA: String?
        read(&certificate, "tls.certificate")
        read(&key, "tls.key")
        read(&clientCA, "tls.clientCA")
        var mode = ClientCertificateMode.required
        try read(&mode, "tls.clientCertificate")
        switch (certificate, key) {
        case (let certificate?, let key?):
            return TLSSettings(
                certificate: certificate, key: key, clientCA: clientCA, requireClientCertificate: mode == .required)
        case (nil, nil):
            if clientCA != nil { throw ConfigurationError(key: "tls.clientCA", "needs tls.certificate and tls.key") }
            return nil
        default:
            throw ConfigurationError(
                key: certificate == nil ? "tls.certificate" : "tls.key", "set both tls.certificate and tls.key")
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
