import Foundation
import GRPCCore
import KMSPlugin
import KMSProto
import NIOCore
import NIOPosix
import SSMCore
import Testing

/// What the plugin refuses before it starts, and what it does with its socket file.
@Suite("KMS v2 plugin: socket and key checks at start")
struct KMSServerStartTests {
    func prepare(
        _ socketPath: String, keyName: String = uniqueName("kms"), group: KMSPluginConfiguration.SocketGroup? = nil, hsm: HSM
    )
        async throws -> KMSServer
    {
        try await KMSServer.prepare(
            KMSPluginConfiguration(socketPath: socketPath, keyName: keyName, socketGroup: group),
            transit: TransitService(store: KeyStore(hsm: hsm, logger: logger)), hsm: hsm, audit: nil, logger: logger)
    }

    func expectRefusal(_ expected: String, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation)
        async
    {
        do {
            try await body()
            Issue.record("expected a refusal containing \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect("\(error)".contains(expected), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a missing directory, a file that is not a socket, a socket another process serves, an unknown group: refused")
    func refusals() async throws {
        let hsm = try await KMSFixture.connect()
        let directory = try KMSFixture.socketDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await expectRefusal("does not exist") { _ = try await prepare("\(directory)/missing/kms.sock", hsm: hsm) }
        let file = "\(directory)/file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        await expectRefusal("is not a socket") { _ = try await prepare(file, hsm: hsm) }
        await expectRefusal("kms.socketGroup") {
            _ = try await prepare("\(directory)/g.sock", group: .name("no-such-group-\(UUID().uuidString.prefix(6))"), hsm: hsm)
        }
        // A live socket (another process, here a listener of the test's own).
        let live = "\(directory)/live.sock"
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: live).get()
        await expectRefusal("another process serves") { _ = try await prepare(live, hsm: hsm) }
        #expect(FileManager.default.fileExists(atPath: live), "the live socket was left alone")
        try await listener.close()
        // Nothing was left behind by the checks (NIO removed its socket when it closed).
        let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(left == ["file"], "\(left)")
        await hsm.shutdown()
    }

    @Test("a stale socket file is replaced; the socket is mode 0600, or 0660 with a group")
    func staleSocketAndMode() async throws {
        let hsm = try await KMSFixture.connect()
        let directory = try KMSFixture.socketDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/kms.sock"
        // A socket nobody serves any more: bound by a process that ended without removing it
        // (NIO removes its own sockets when it closes them).
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", path]
        try python.run()
        python.waitUntilExit()
        #expect((try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSocket)
        let group = getegid()
        let server = try await prepare(path, group: .id(group), hsm: hsm)
        let running = Task { try await server.run() }
        try await KMSFixture.waitForSocket(path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o660)
        #expect((attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value == group)
        running.cancel()
        _ = try? await running.value
        #expect(!FileManager.default.fileExists(atPath: path))
        await hsm.shutdown()
    }

    @Test("a Transit key of another type under kms.key is refused; a missing key is created aes256-gcm")
    func keyChecks() async throws {
        let hsm = try await KMSFixture.connect()
        let directory = try KMSFixture.socketDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transit = TransitService(store: KeyStore(hsm: hsm, logger: logger))
        let hmac = uniqueName("kms-hmac")
        _ = try await transit.create(name: hmac, type: .hmacSHA256)
        await expectRefusal("kms.key: the Transit key '\(hmac)' is 'hmac-sha256'") {
            _ = try await prepare("\(directory)/kms.sock", keyName: hmac, hsm: hsm)
        }
        let fresh = uniqueName("kms-new")
        _ = try await prepare("\(directory)/kms.sock", keyName: fresh, hsm: hsm)
        let created = try await transit.describe(name: fresh)
        #expect(created.type == .aes256GCM && created.latestVersion == 1)
        // A second start finds it.
        _ = try await prepare("\(directory)/kms.sock", keyName: fresh, hsm: hsm)
        #expect(try await transit.describe(name: fresh).latestVersion == 1)
        await hsm.shutdown()
    }
}
