import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SSMCore
import SoftHSMTestSupport
@testable import SSMServer
import Testing

/// TLS (its cipher policy included), mTLS and the header-read timeout, over real connections.
@Suite("Transport security")
struct TransportSecurityTests {
    /// Runs a live server with `security` (its TLS settings included) and gives `body` its port.
    func withLiveServer(
        _ security: SecurityConfiguration, _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let token = try SoftHSMToken.shared()
        let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let hsm = try await HSM.connect(
            HSMConfiguration(modulePath: token.modulePath, token: .label(token.label), pin: Array(token.pin.utf8)), logger: logger)
        let router = buildRouter(hsm: hsm, keys: KeyService(hsm: hsm, logger: logger), bodyLimit: 1 << 20, security: security)
        let app = Application(
            router: router, server: try serverBuilder(security, tls: true),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        do {
            try await app.test(.live) { client in try await body(try #require(client.port)) }
        } catch {
            await hsm.shutdown()
            throw error
        }
        await hsm.shutdown()
    }

    func tlsClient(
        port: Int, certificates: TestCertificates, certificate: String? = nil, key: String? = nil,
        maximumVersion: TLSVersion? = nil
    ) throws -> TestClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.caCertificate)
        if let certificate, let key {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        if let maximumVersion { tls.maximumTLSVersion = maximumVersion }
        let client = TestClient(
            host: "localhost", port: port, configuration: .init(tlsConfiguration: tls, timeout: .seconds(10), serverName: "localhost"))
        client.connect()
        return client
    }

    @Test("HTTPS with TLS 1.3 by default, 1.2 accepted, 1.1 refused")
    func tls() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var security = SecurityConfiguration()
        security.tls = TLSSettings(certificate: certificates.serverCertificate, key: certificates.serverKey)
        try await withLiveServer(security) { port in
            for version in [nil, TLSVersion.tlsv12] as [TLSVersion?] {
                let client = try tlsClient(port: port, certificates: certificates, maximumVersion: version)
                let response = try await client.execute(.init("/health-check", method: .get))
                #expect(response.status == .ok)
                try await client.shutdown()
            }
            let old = try tlsClient(port: port, certificates: certificates, maximumVersion: .tlsv11)
            await #expect(throws: (any Error).self) { _ = try await old.execute(.init("/health-check", method: .get)) }
            try? await old.shutdown()
        }
    }

    /// Runs `openssl s_client -brief` against the server with `arguments`; its exit status and
    /// output (standard error included).
    static func sClient(port: Int, caFile: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments =
            ["s_client", "-brief", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", "-CAfile", caFile, "-verify_return_error"]
            + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (status, text)
    }

    @Test(
        "TLS policy with an RSA certificate, by openssl s_client: TLS 1.3 and 1.2 ECDHE+AEAD accepted; static RSA and CBC refused")
    func cipherPolicy() async throws {
        let certificates = try TestCertificates.make(rsaServer: true)
        defer { certificates.remove() }
        var security = SecurityConfiguration()
        security.tls = TLSSettings(certificate: certificates.serverCertificate, key: certificates.serverKey)
        try await withLiveServer(security) { port in
            let tls13 = try await Self.sClient(port: port, caFile: certificates.caCertificate, ["-tls1_3"])
            #expect(tls13.status == 0 && tls13.output.contains("TLSv1.3"), "\(tls13.output)")
            for cipher in ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"] {
                let result = try await Self.sClient(port: port, caFile: certificates.caCertificate, ["-tls1_2", "-cipher", cipher])
                #expect(result.status == 0 && result.output.contains(cipher), "\(cipher): \(result.output)")
            }
            // The client offers only the suite (at security level 0, so that it does offer it).
            for cipher in ["AES128-GCM-SHA256", "AES256-SHA", "ECDHE-RSA-AES128-SHA", "AES128-SHA256", "ECDHE-RSA-AES256-SHA384"] {
                let result = try await Self.sClient(
                    port: port, caFile: certificates.caCertificate, ["-tls1_2", "-cipher", "\(cipher):@SECLEVEL=0"])
                #expect(result.status != 0, "\(cipher) accepted: \(result.output)")
            }
        }
    }

    @Test("mTLS: a certificate from the CA maps to its client; none, another CA's, or an unmapped one is refused")
    func mutualTLS() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var security = SecurityConfiguration()
        security.tls = TLSSettings(
            certificate: certificates.serverCertificate, key: certificates.serverKey, clientCA: certificates.caCertificate)
        security.clients = ClientRegistry([
            Client(id: "tls", mtlsIdentity: "tls-client", rules: [Client.Rule(operations: [.stats], keys: [Glob("*")])])
        ])
        try await withLiveServer(security) { port in
            let good = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.clientCertificate, key: certificates.clientKey)
            #expect(try await good.execute(.init("/pool/stats", method: .get)).status == .ok)
            #expect(try await good.execute(.init("/get-all-keys", method: .post)).status == .forbidden)
            try await good.shutdown()
            let none = try tlsClient(port: port, certificates: certificates)
            await #expect(throws: (any Error).self) { _ = try await none.execute(.init("/health-check", method: .get)) }
            try? await none.shutdown()
            let rogue = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.rogueCertificate, key: certificates.rogueKey)
            await #expect(throws: (any Error).self) { _ = try await rogue.execute(.init("/health-check", method: .get)) }
            try? await rogue.shutdown()
        }
        // A valid certificate whose identity no client has: 401.
        security.clients = ClientRegistry([
            Client(id: "tls", mtlsIdentity: "someone-else", rules: [Client.Rule(operations: [.stats], keys: [Glob("*")])])
        ])
        try await withLiveServer(security) { port in
            let unmapped = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.clientCertificate, key: certificates.clientKey)
            #expect(try await unmapped.execute(.init("/pool/stats", method: .get)).status == .unauthorized)
            try await unmapped.shutdown()
        }
    }

    @Test("mTLS identities match only the field they name: a SAN never stands in for another client's CN")
    func identityFields() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var security = SecurityConfiguration()
        security.tls = TLSSettings(
            certificate: certificates.serverCertificate, key: certificates.serverKey, clientCA: certificates.caCertificate)
        let stats = [Client.Rule(operations: [.stats], keys: [Glob("*")])]
        // "tls-client" (bare: the CN) may read stats; mallory's certificate has DNS:tls-client as a SAN.
        security.clients = ClientRegistry([
            Client(id: "tls", mtlsIdentity: "tls-client", rules: stats),
            Client(id: "mallory", mtlsIdentity: "uri:spiffe://test/mallory", rules: []),
        ])
        try await withLiveServer(security) { port in
            let mallory = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.malloryCertificate,
                key: certificates.malloryKey)
            // Known as mallory by its URI SAN, not as tls by its DNS SAN: forbidden, not granted.
            #expect(try await mallory.execute(.init("/pool/stats", method: .get)).status == .forbidden)
            try await mallory.shutdown()
            let good = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.clientCertificate, key: certificates.clientKey)
            #expect(try await good.execute(.init("/pool/stats", method: .get)).status == .ok)
            try await good.shutdown()
        }
        // With only the CN client configured, mallory's certificate names nobody; dns:tls-client names mallory.
        security.clients = ClientRegistry([Client(id: "tls", mtlsIdentity: "cn:tls-client", rules: stats)])
        try await withLiveServer(security) { port in
            let mallory = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.malloryCertificate,
                key: certificates.malloryKey)
            #expect(try await mallory.execute(.init("/pool/stats", method: .get)).status == .unauthorized)
            try await mallory.shutdown()
        }
        security.clients = ClientRegistry([Client(id: "dns", mtlsIdentity: "dns:TLS-Client", rules: stats)])
        try await withLiveServer(security) { port in
            let mallory = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.malloryCertificate,
                key: certificates.malloryKey)
            #expect(try await mallory.execute(.init("/pool/stats", method: .get)).status == .ok)
            try await mallory.shutdown()
        }
    }

    @Test("optional client certificates: a token without a certificate works, a certificate from another CA is refused")
    func optionalClientCertificates() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var security = SecurityConfiguration()
        security.tls = TLSSettings(
            certificate: certificates.serverCertificate, key: certificates.serverKey, clientCA: certificates.caCertificate,
            requireClientCertificate: false)
        security.clients = ClientRegistry([
            Client(id: "tls", mtlsIdentity: "tls-client", rules: [Client.Rule(operations: [.stats], keys: [Glob("*")])]),
            Client(id: "token", tokenSHA256: Client.tokenHash("t0ken"), rules: [Client.Rule(operations: [.stats], keys: [Glob("*")])]),
        ])
        try await withLiveServer(security) { port in
            let none = try tlsClient(port: port, certificates: certificates)
            #expect(try await none.execute(.init("/pool/stats", method: .get)).status == .unauthorized)
            let withToken = try await none.execute(.init("/pool/stats", method: .get, headers: [.authorization: "Bearer t0ken"]))
            #expect(withToken.status == .ok)
            try await none.shutdown()
            let good = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.clientCertificate, key: certificates.clientKey)
            #expect(try await good.execute(.init("/pool/stats", method: .get)).status == .ok)
            try await good.shutdown()
            let rogue = try tlsClient(
                port: port, certificates: certificates, certificate: certificates.rogueCertificate, key: certificates.rogueKey)
            await #expect(throws: (any Error).self) { _ = try await rogue.execute(.init("/health-check", method: .get)) }
            try? await rogue.shutdown()
        }
    }

    @Test("connections beyond server.maxConnections wait until one closes")
    func maxConnections() async throws {
        let token = try SoftHSMToken.shared()
        let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let hsm = try await HSM.connect(
            HSMConfiguration(modulePath: token.modulePath, token: .label(token.label), pin: Array(token.pin.utf8)), logger: logger)
        var security = SecurityConfiguration()
        security.maxConnections = 1
        let router = buildRouter(hsm: hsm, keys: KeyService(hsm: hsm, logger: logger), bodyLimit: 1 << 20, security: security)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, server: try serverBuilder(security, tls: false),
            configuration: .init(
                address: .hostname("127.0.0.1", port: 0),
                availableConnectionsDelegate: MaximumAvailableConnections(security.maxConnections)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let first = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(10)))
            first.connect()
            #expect(try await first.execute(.init("/health-check", method: .get)).status == .ok)
            // The second connection is not accepted while the first is open.
            let second = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(10)))
            second.connect()
            let done = Flag()
            let answered = Task {
                let status = try await second.execute(.init("/health-check", method: .get)).status
                done.set()
                return status
            }
            try await Task.sleep(for: .seconds(1))
            #expect(!done.isSet, "served beyond maxConnections")
            try await first.shutdown()
            // ...and is served once it closes.
            let status = try await answered.value
            #expect(status == .ok)
            try await second.shutdown()
            group.cancelAll()
        }
        await hsm.shutdown()
    }

    @Test("a client sending its headers one byte per second is cut off at the header timeout")
    func slowHeaders() async throws {
        var security = SecurityConfiguration()
        security.headerTimeout = .seconds(2)
        try await withLiveServer(security) { port in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            let request = Array("GET /health-check HTTP/1.1\r\nHost: localhost\r\nX-Slow: \(String(repeating: "a", count: 40))\r\n\r\n".utf8)
            let start = ContinuousClock.now
            var sent = 0
            for byte in request {
                guard channel.isActive else { break }
                try? await channel.writeAndFlush(ByteBuffer(bytes: [byte])).get()
                sent += 1
                try await Task.sleep(for: .seconds(1))
                if ContinuousClock.now - start > .seconds(20) { break }
            }
            let closed = !channel.isActive
            try? await channel.close()
            #expect(closed, "still open after \(sent) bytes")
            #expect(sent < request.count)
        }
    }
}
