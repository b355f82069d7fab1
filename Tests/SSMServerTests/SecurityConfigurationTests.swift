import Foundation
import SSMCore
@testable import SSMServer
import Testing

/// `clients:`, `tls.*`, `limits.*`, `audit.*`, `login.*` and the safe defaults.
@Suite("Security configuration")
struct SecurityConfigurationTests {
    static let base = """
        pkcs11:
          tokenLabel: ssm
          pinFile: /dev/null
        """

    func load(_ yaml: String, environment: [String: String] = ["SSM_PKCS11_PIN": "1234"], mode: Int = 0o600) async throws
        -> AppConfiguration
    {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await AppConfiguration.load(path: path, environment: environment)
    }

    func expectError(_ yaml: String, key: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await load(yaml)
            Issue.record("expected an error for \(key)", sourceLocation: sourceLocation)
        } catch let error as ConfigurationError {
            #expect(error.key == key, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    static let hash = String(repeating: "ab", count: 32)

    @Test("clients with token hash, mTLS identity, bcrypt password and policy rules")
    func clients() async throws {
        let configuration = try await load(
            Self.base + """

                clients:
                  webconsole:
                    tokenSha256: \(Self.hash)
                    mtlsIdentity: webconsole.internal
                    passwordHash: "$2b$12$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234"
                    policy:
                      encrypt: ["KEY_ENCRYPTION_*"]
                      decrypt: ["KEY_ENCRYPTION_*"]
                      stats: ["*"]
                  ops:
                    tokenSha256: \(Self.hash.uppercased())
                    policy:
                      admin: []
                """)
        let clients = configuration.security.clients
        #expect(clients.isEnforcing)
        let web = try #require(clients.client(id: "webconsole"))
        #expect(web.tokenSHA256?.count == 32)
        #expect(web.mtlsIdentity == CertificateIdentity(.cn, "webconsole.internal"))  // bare: the CN
        let bare = "clients.webconsole.mtlsIdentity: 'webconsole.internal' matches"
        #expect(configuration.warnings.contains { $0.hasPrefix(bare) })
        #expect(web.allows(.encrypt, key: "KEY_ENCRYPTION_AES256"))
        #expect(!web.allows(.encrypt, key: "OTHER"))
        #expect(!web.allows(.generate, key: "KEY_ENCRYPTION_AES256"))
        #expect(web.allows(.stats, key: nil))
        #expect(!web.allows(.delete, key: "KEY_ENCRYPTION_AES256"))
        #expect(clients.client(id: "ops")?.allows(.admin, key: nil) == true)
        #expect(clients.client(id: "ops")?.allows(.admin, key: "x") == false)
        #expect(clients.client(certificateIdentities: [.init(.cn, "x"), .init(.cn, "webconsole.internal")])?.id == "webconsole")
        #expect(clients.client(certificateIdentities: [.init(.dns, "webconsole.internal")]) == nil)
        #expect(CertificateIdentity(parsing: "DNS:WebConsole.Internal") == CertificateIdentity(.dns, "webconsole.internal"))
        #expect(CertificateIdentity(parsing: "uri:spiffe://corp/udm") == CertificateIdentity(.uri, "spiffe://corp/udm"))
        #expect(CertificateIdentity(parsing: "email:ops@example.com").field == .email)
    }

    @Test("bad clients name the client and field")
    func badClients() async {
        let policy = "\n    policy:\n      encrypt: [\"*\"]"
        await expectError(Self.base + "\nclients:\n  a:\n    tokenSha256: abc" + policy, key: "clients.a.tokenSha256")
        await expectError(Self.base + "\nclients:\n  a:\n    passwordHash: hunter2" + policy, key: "clients.a.passwordHash")
        // A bcrypt cost outside 10...14: cheap to crack, or seconds of CPU per login.
        let salt = "abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234"
        for cost in ["04", "09", "15", "31"] {
            await expectError(
                Self.base + "\nclients:\n  a:\n    passwordHash: \"$2b$\(cost)$\(salt)\"" + policy, key: "clients.a.passwordHash")
        }
        await expectError(Self.base + "\nclients:\n  a:" + policy, key: "clients.a")
        await expectError(
            Self.base + "\nclients:\n  a:\n    tokenSha256: \(Self.hash)\n    policy:\n      fly: [\"*\"]",
            key: "clients.a.policy.fly")
        await expectError(Self.base + "\nclients:\n  a:\n    tokenSha256: \(Self.hash)", key: "clients.a.policy")
        await expectError(Self.base + "\nclients:\n  a:\n    token: x" + policy, key: "clients.a.token")
    }

    @Test("a non-loopback address needs TLS and clients, or server.insecure (then a warning)")
    func listener() async throws {
        let everywhere = Self.base + "\nserver:\n  address: \"0.0.0.0:8443\""
        await expectError(everywhere, key: "server.address")
        let insecure = try await load(everywhere + "\n  insecure: true")
        #expect(insecure.warnings.contains { $0.contains("server.insecure") })
        // A command that opens no listener (`ssm keys`) is not refused for the address.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-\(UUID().uuidString).yaml").path
        try everywhere.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let keysOnly = try await AppConfiguration.load(path: path, environment: ["SSM_PKCS11_PIN": "1234"], servingHTTP: false)
        #expect(keysOnly.host == "0.0.0.0")
        let loopback = try await load(Self.base)
        #expect(loopback.warnings.isEmpty)
        #expect(loopback.host == "127.0.0.1")
        #expect(!loopback.security.clients.isEnforcing)
    }

    @Test("TLS, limits, timeouts, audit and login settings")
    func settings() async throws {
        let configuration = try await load(
            Self.base + """

                server:
                  maxConnections: 100
                  headerTimeout: 2s
                  requestTimeout: 5s
                  maxConnectionsPerAddress: 8
                  idleTimeout: "off"
                  unixSocket: /run/ssm/ssm.sock
                tls:
                  certificate: /etc/ssm/cert.pem
                  key: /etc/ssm/key.pem
                  clientCA: /etc/ssm/ca.pem
                limits:
                  rateLimit: 50
                audit:
                  file: /var/log/ssm/audit.jsonl
                login:
                  tokenTTL: 5m
                  audience: udm
                """)
        let security = configuration.security
        #expect(security.maxConnections == 100)
        #expect(security.headerTimeout == .seconds(2))
        #expect(security.requestTimeout == .seconds(5))
        #expect(security.maxConnectionsPerAddress == 8)
        #expect(security.idleTimeout == nil)
        #expect(security.unixSocket == "/run/ssm/ssm.sock")
        #expect(security.tls == TLSSettings(certificate: "/etc/ssm/cert.pem", key: "/etc/ssm/key.pem", clientCA: "/etc/ssm/ca.pem"))
        #expect(security.rateLimit == RateLimitSettings(requestsPerSecond: 50, burst: 50))
        #expect(security.audit == AuditSettings(file: "/var/log/ssm/audit.jsonl", failOpen: false))
        #expect(security.login.tokenTTL == .seconds(300))
        #expect(security.login.audience == "udm")
        await expectError(Self.base + "\ntls:\n  certificate: /x.pem", key: "tls.key")
        await expectError(Self.base + "\ntls:\n  clientCA: /x.pem", key: "tls.clientCA")
    }

    @Test("a config file holding the PIN and readable by others gives a warning")
    func pinFileMode() async throws {
        let withPIN = "pkcs11:\n  tokenLabel: ssm\n  pin: \"1234\"\n"
        let open = try await load(withPIN, environment: [:], mode: 0o644)
        #expect(open.warnings.contains { $0.contains("holds the PIN") })
        let closed = try await load(withPIN, environment: [:], mode: 0o600)
        #expect(closed.warnings.isEmpty)
        let noPIN = try await load(Self.base, mode: 0o644)
        #expect(noPIN.warnings.isEmpty)
    }

    @Test("the PIN from a systemd credential")
    func systemdCredential() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "4321\n".write(to: directory.appendingPathComponent("pin"), atomically: true, encoding: .utf8)
        let configuration = try await load(
            "pkcs11:\n  tokenLabel: ssm\n", environment: ["CREDENTIALS_DIRECTORY": directory.path])
        #expect(configuration.hsm.pin == Array("4321".utf8))
    }
}
