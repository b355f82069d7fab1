import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import SSMCore
import SoftHSMTestSupport
@testable import SSMServer
import Synchronization
import Testing

/// Attacks on connection slots over real sockets: a body trickled a byte at a time, and one
/// address opening more connections than it may.
@Suite("Slow and greedy clients")
struct SlowClientTests {
    /// What a raw connection has received.
    final class Received: Sendable {
        private let bytes = Mutex<[UInt8]>([])

        func append(_ buffer: ByteBuffer) { bytes.withLock { $0 += buffer.readableBytesView } }
        var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
    }

    /// Collects what arrives into a ``Received``.
    final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: Received

        init(_ received: Received) {
            self.received = received
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received.append(unwrapInboundIn(data))
        }
    }

    /// Runs ssm's HTTP server with `security` on a free port of 127.0.0.1 (no other client
    /// connected: every connection is the test's) and gives `body` the port.
    static func withServer(_ security: SecurityConfiguration, _ body: @Sendable (Int) async throws -> Void) async throws {
        let token = try SoftHSMToken.shared()
        let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let hsm = try await HSM.connect(
            HSMConfiguration(modulePath: token.modulePath, token: .label(token.label), pin: Array(token.pin.utf8)), logger: logger)
        let router = buildRouter(hsm: hsm, keys: KeyService(hsm: hsm, logger: logger), bodyLimit: 1 << 20, security: security)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, server: try serverBuilder(security, tls: false),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                var iterator = ports.makeAsyncIterator()
                try await body(try #require(await iterator.next()))
                group.cancelAll()
            }
        } catch {
            await hsm.shutdown()
            throw error
        }
        await hsm.shutdown()
    }

    /// A plain TCP connection to the server, its received bytes collected.
    static func connect(_ port: Int) async throws -> (channel: any Channel, received: Received) {
        let received = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(received)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return (channel, received)
    }

    /// Waits until `condition` holds, at most `limit`; returns whether it did.
    static func eventually(within limit: Duration, _ condition: () -> Bool) async throws -> Bool {
        let start = ContinuousClock.now
        while !condition() {
            guard ContinuousClock.now - start < limit else { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    static let healthCheck = ByteBuffer(string: "GET /health-check HTTP/1.1\r\nHost: localhost\r\n\r\n")

    @Test("a body trickled one byte a second is answered 408 and closed at server.requestTimeout")
    func trickledBody() async throws {
        var security = SecurityConfiguration()
        security.requestTimeout = .seconds(3)
        try await Self.withServer(security) { port in
            let (channel, received) = try await Self.connect(port)
            let head = "POST /encrypt HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: head)).get()
            let start = ContinuousClock.now
            var sent = 0
            // Each byte resets the idle timer (60 s); only the request deadline ends this.
            while channel.isActive, ContinuousClock.now - start < .seconds(20) {
                try? await channel.writeAndFlush(ByteBuffer(string: "{")).get()
                sent += 1
                try await Task.sleep(for: .seconds(1))
            }
            let elapsed = ContinuousClock.now - start
            let closed = !channel.isActive
            try? await channel.close()
            #expect(closed, "still open after \(sent) bytes of body")
            #expect(elapsed < .seconds(10))
            #expect(received.text.hasPrefix("HTTP/1.1 408"), "\(received.text)")
        }
    }

    @Test("a connection that sends nothing is closed at server.requestTimeout when it is shorter than server.headerTimeout")
    func silentConnection() async throws {
        var security = SecurityConfiguration()
        security.requestTimeout = .seconds(2)
        try await Self.withServer(security) { port in
            let (channel, received) = try await Self.connect(port)
            #expect(try await Self.eventually(within: .seconds(15)) { !channel.isActive }, "still open")
            #expect(received.text.isEmpty, "\(received.text)")
            try? await channel.close()
        }
    }

    @Test("a request that is complete in time is served; the deadline restarts for the next one")
    func promptRequestsAreServed() async throws {
        var security = SecurityConfiguration()
        security.requestTimeout = .seconds(3)
        try await Self.withServer(security) { port in
            let (channel, received) = try await Self.connect(port)
            // 4 × 1.2 s on one connection: more than the deadline in all, less between answers
            // (with 1.8 s to spare for a loaded machine).
            for served in 1...4 {
                try await channel.writeAndFlush(Self.healthCheck).get()
                #expect(try await Self.eventually(within: .seconds(5)) { received.text.components(separatedBy: "HTTP/1.1 200").count == served + 1 })
                try await Task.sleep(for: .milliseconds(1200))
                #expect(channel.isActive, "closed after \(served) complete requests")
            }
            try? await channel.close()
        }
    }

    @Test("server.maxConnectionsPerAddress: the N+1th connection from one address is closed, a freed slot is reused")
    func perAddressCap() async throws {
        var security = SecurityConfiguration()
        security.maxConnectionsPerAddress = 2
        try await Self.withServer(security) { port in
            var open: [(channel: any Channel, received: Received)] = []
            for _ in 0..<2 {
                let connection = try await Self.connect(port)
                try await connection.channel.writeAndFlush(Self.healthCheck).get()
                #expect(try await Self.eventually(within: .seconds(5)) { connection.received.text.hasPrefix("HTTP/1.1 200") })
                open.append(connection)
            }
            let refused = try await Self.connect(port)
            try? await refused.channel.writeAndFlush(Self.healthCheck).get()
            #expect(try await Self.eventually(within: .seconds(5)) { !refused.channel.isActive }, "the third connection stayed open")
            #expect(refused.received.text.isEmpty, "\(refused.received.text)")
            #expect(open.allSatisfy { $0.channel.isActive })

            // A slot freed is a slot again.
            try await open[0].channel.close()
            try await Task.sleep(for: .milliseconds(200))
            let again = try await Self.connect(port)
            try await again.channel.writeAndFlush(Self.healthCheck).get()
            #expect(try await Self.eventually(within: .seconds(5)) { again.received.text.hasPrefix("HTTP/1.1 200") })
            try? await again.channel.close()
            try? await open[1].channel.close()
        }
    }
}
