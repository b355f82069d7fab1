import Foundation
import Logging
import SSMCore
import SSMServer
import ServiceLifecycle
import SoftHSMTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("systemd notifications over NOTIFY_SOCKET")
struct SystemdNotifierTests {
    @Test("a path socket receives READY=1 and STATUS in one datagram")
    func pathSocket() throws {
        let socket = try NotifySocket()
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address]))
        try notifier.send(.ready, .status("serving"))
        #expect(try socket.receive() == "READY=1\nSTATUS=serving")
    }

    @Test("an abstract socket (@name) receives WATCHDOG=1 and STOPPING=1")
    func abstractSocket() throws {
        let socket = try NotifySocket(abstract: true)
        #expect(socket.address.hasPrefix("@"))
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address]))
        try notifier.send(.watchdog)
        try notifier.send(.stopping)
        #expect(try socket.receive() == "WATCHDOG=1")
        #expect(try socket.receive() == "STOPPING=1")
    }

    @Test("no notifier without a usable NOTIFY_SOCKET; the watchdog interval is half of WATCHDOG_USEC, for this process only")
    func environment() throws {
        #expect(SystemdNotifier(environment: [:]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path"]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@"]) == nil)
        let plain = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/notify"]))
        #expect(plain.watchdogInterval == nil)
        let watched = try #require(
            SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]))
        #expect(watched.watchdogInterval == .seconds(15))
        let other = try #require(
            SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]))
        #expect(other.watchdogInterval == nil)
    }

    @Test("a socket nobody listens on is an error, not a crash")
    func nobodyListening() throws {
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/ssm-notify"]))
        #expect(throws: SystemdNotifierError.self) { try notifier.send(.ready) }
    }

    @Test("the daemon: READY=1 once listening and logged in, WATCHDOG=1 while running, STOPPING=1 on shutdown")
    func application() async throws {
        let socket = try NotifySocket()
        let environment = ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "200000"]  // a keep-alive every 100 ms
        let notifier = try #require(SystemdNotifier(environment: environment))
        let token = try SoftHSMToken.shared()
        let configuration = AppConfiguration(
            host: "127.0.0.1", port: 0,
            hsm: HSMConfiguration(
                modulePath: token.modulePath, token: .label(token.label), pin: token.pinBytes,
                pool: .init(maxSize: 2, minSize: 1, acquireTimeout: .seconds(5))))
        let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let app = try await buildApplication(configuration, logger: logger, notifier: notifier)
        let group = makeServiceGroup(application: app, notifier: notifier, logger: logger, gracefulShutdownSignals: [])
        let running = Task { try await group.run() }

        // Keep-alives may come before READY=1 (the services start together): skip them. Every
        // wait is on a thread of its own: a blocking receive on one of the two cooperative
        // threads, while another test blocks the other, would leave the daemon no thread to
        // send from (the test then timed out under the full suite's load).
        let ready = try await onOwnThread { try socket.receive(until: { $0.hasPrefix("READY=1") }) }
        #expect(ready.hasPrefix("READY=1\nSTATUS=serving on "))
        #expect(ready.hasSuffix("token '\(token.label)'"))
        // The listener is bound when READY=1 arrives: its port accepts a connection.
        let port = try #require(Self.port(in: ready))
        #expect(Self.canConnect(port: port))

        #expect(try await onOwnThread { try socket.receive(until: { $0 == "WATCHDOG=1" }) } == "WATCHDOG=1")
        await group.triggerGracefulShutdown()
        #expect(try await onOwnThread { try socket.receive(until: { $0 != "WATCHDOG=1" }) } == "STOPPING=1\nSTATUS=stopping")
        try await running.value
    }

    /// The port at the end of `serving on [IPv4]127.0.0.1/127.0.0.1:PORT, token ...`.
    static func port(in status: String) -> UInt16? {
        guard let served = status.split(separator: ",").first, let colon = served.lastIndex(of: ":") else { return nil }
        return UInt16(served[served.index(after: colon)...])
    }

    static func canConnect(port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// A Unix datagram socket standing in for systemd's notification socket: bound to a fresh
/// path (or abstract name), every receive bounded by a 10 s timeout.
///
/// `@unchecked Sendable`: a test receives from one thread at a time (`onOwnThread`
/// awaits each receive before the next), and the descriptor is immutable.
final class NotifySocket: @unchecked Sendable {
    let address: String
    private let descriptor: Int32
    private let path: String?

    init(abstract: Bool = false) throws {
        let name = "ssm-notify-\(UUID().uuidString.prefix(8))"
        path = abstract ? nil : NSTemporaryDirectory() + "/" + name
        address = abstract ? "@" + name : (path ?? "")
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw NotifySocketError("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw NotifySocketError("bind \(address): errno \(errno)")
        }
    }

    /// The next datagram as text; throws after 10 s without one.
    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { throw NotifySocketError("no notification within 10 s (errno \(errno))") }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// The first datagram that satisfies `accept`, among the next 1000.
    func receive(until accept: (String) -> Bool) throws -> String {
        for _ in 0..<1000 {
            let message = try receive()
            if accept(message) { return message }
        }
        throw NotifySocketError("no matching notification among 1000")
    }

    deinit {
        close(descriptor)
        if let path { unlink(path) }
    }
}

struct NotifySocketError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
