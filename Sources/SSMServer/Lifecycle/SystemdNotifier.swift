import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tells systemd about the daemon's state over `$NOTIFY_SOCKET` (the `sd_notify` protocol),
/// without libsystemd: each message is one datagram of `KEY=VALUE` lines sent to the Unix
/// socket systemd names, a path (`/run/systemd/notify`) or an abstract name (`@...`).
///
/// A `Type=notify` unit waits for `READY=1` before it counts the service as started; `STOPPING=1`
/// says shutdown began; `WATCHDOG=1` must arrive at least every `WatchdogSec` (systemd passes it
/// as `WATCHDOG_USEC`). Messages that cannot be sent are dropped: systemd's supervision is not
/// a reason to stop serving.
public struct SystemdNotifier: Sendable {
    /// A state change systemd understands.
    public enum Message: Sendable, Hashable {
        /// `READY=1`: start-up finished.
        case ready
        /// `STOPPING=1`: shutdown began.
        case stopping
        /// `WATCHDOG=1`: still alive.
        case watchdog
        /// `STATUS=...`: a one-line status shown by `systemctl status`.
        case status(String)

        /// The datagram line.
        public var line: String {
            switch self {
            case .ready: "READY=1"
            case .stopping: "STOPPING=1"
            case .watchdog: "WATCHDOG=1"
            case .status(let text): "STATUS=" + text.replacingOccurrences(of: "\n", with: " ")
            }
        }
    }

    /// The socket address from `NOTIFY_SOCKET`, as given (`/path` or `@abstract`).
    public let socketPath: String
    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as `sd_watchdog_enabled`
    /// advises; nil when systemd expects no keep-alive (or expects it from another process).
    public let watchdogInterval: Duration?

    /// A notifier for the socket named by `NOTIFY_SOCKET` in `environment`; nil when the
    /// variable is unset or names no Unix socket (the daemon was not started by systemd with
    /// `Type=notify`).
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@"), path.utf8.count > 1 else {
            return nil
        }
        self.socketPath = path
        self.watchdogInterval = Self.watchdogInterval(environment: environment)
    }

    /// Half of `WATCHDOG_USEC`, when set and meant for this process (`WATCHDOG_PID` unset or ours).
    static func watchdogInterval(environment: [String: String]) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return .microseconds(Int64(clamping: usec / 2))
    }

    /// Sends `messages` as one datagram.
    ///
    /// - Throws: ``SystemdNotifierError`` naming the failed call and `errno`.
    public func send(_ messages: Message...) throws(SystemdNotifierError) {
        try send(messages)
    }

    /// Sends `messages` as one datagram.
    public func send(_ messages: [Message]) throws(SystemdNotifierError) {
        try send(messages.map(\.line).joined(separator: "\n"))
    }

    /// Sends `text` (newline-separated `KEY=VALUE` assignments) as one datagram.
    public func send(_ text: String) throws(SystemdNotifierError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        if abstract { path[0] = 0 }  // abstract namespace: a leading NUL, no terminator
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            throw SystemdNotifierError(call: "NOTIFY_SOCKET", errno: ENAMETOOLONG)
        }
        // Pointers only at the C boundary (sockaddr_un, sendto(2)); the bytes are ssm's own.
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        guard let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) else {
            throw SystemdNotifierError(call: "sockaddr_un", errno: EINVAL)
        }
        let length = pathOffset + path.count + (abstract ? 0 : 1)

        let descriptor = socket(AF_UNIX, Self.datagram, 0)
        guard descriptor >= 0 else { throw SystemdNotifierError(call: "socket", errno: errno) }
        defer { close(descriptor) }
        let payload = Array(text.utf8)
        let sent = withUnsafePointer(to: address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                payload.withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Self.noSignal, socketAddress, socklen_t(length))
                }
            }
        }
        guard sent == payload.count else { throw SystemdNotifierError(call: "sendto", errno: sent < 0 ? errno : EMSGSIZE) }
    }

    #if canImport(Glibc)
    private static let datagram = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    private static let datagram = SOCK_DGRAM
    private static let noSignal: Int32 = 0
    #endif
}

/// A notification that could not be sent.
public struct SystemdNotifierError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The system call that failed.
    public var call: String
    /// Its `errno`.
    public var errno: Int32

    /// Creates an error.
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}
