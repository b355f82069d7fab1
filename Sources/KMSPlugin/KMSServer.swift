import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import NIOPosix
import SSMCore
import ServiceLifecycle
import Synchronization

/// The Kubernetes KMS v2 plugin as a service of the daemon's `ServiceGroup`: gRPC
/// `v2.KeyManagementService` (``KMSService``) on a Unix socket, plaintext HTTP/2 (the socket's
/// mode and group are the access control, as kube-apiserver expects).
///
/// Make it with ``prepare(_:transit:hsm:audit:logger:)`` before the group starts, so that a
/// bad socket path or key stops the daemon before anything listens. On graceful shutdown it
/// stops accepting, lets calls in flight finish, and removes its socket file.
public struct KMSServer: Service {
    /// The calls.
    public let service: KMSService
    let socket: KMSSocket
    let logger: Logger

    /// Checks the socket path (directory, a stale or live socket there, the group) and the
    /// key: the Transit key `configuration.keyName` is created as `aes256-gcm96` when missing
    /// (by whichever replica starts first) and must be `aes256-gcm96` when it exists.
    ///
    /// - Throws: ``KMSPluginError`` naming the setting; the core's errors when the HSM fails.
    public static func prepare(
        _ configuration: KMSPluginConfiguration, transit: TransitService, hsm: HSM, audit: (any KMSAuditSink)?,
        logger: Logger
    ) async throws -> KMSServer {
        let socket = try KMSSocket(configuration)
        try await socket.check()
        let key = try await transit.ensure(name: configuration.keyName, type: .aes256GCM)
        guard key.type == .aes256GCM else {
            throw KMSPluginError(
                "kms.key: the Transit key '\(key.name)' is '\(key.type.rawValue)'; the KMS plugin needs an "
                    + "'\(TransitKeyType.aes256GCM.rawValue)' key (choose another name)")
        }
        let service = KMSService(transit: transit, hsm: hsm, keyName: key.name, audit: audit, logger: logger)
        service.lastVersion.withLock { $0 = key.latestVersion }
        logger.info(
            "KMS plugin key ready",
            metadata: ["key": "\(key.name)", "key_id": "\(KMSKeyID.make(name: key.name, version: key.latestVersion))"])
        return KMSServer(service: service, socket: socket, logger: logger)
    }

    /// The plugin's event loop: one thread for the process, made when a plugin first serves and
    /// kept, like NIO's singleton group, for the life of the process.
    private static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Serves until graceful shutdown or cancellation.
    ///
    /// The socket's connections live on an event loop of their own, and grpc-swift's tasks
    /// prefer that loop (``EventLoopTaskExecutor``): kube-apiserver holds one connection, so
    /// one thread carries its frames either way, and keeping the task side there saves a thread
    /// hand-off per frame. HTTP traffic on the daemon's other loops does not delay the plugin.
    public func run() async throws {
        let loops = Self.loops
        let executor = EventLoopTaskExecutor(loops.next())
        let transport = HTTP2ServerTransport.Posix(
            address: .unixDomainSocket(path: socket.path), transportSecurity: .plaintext,
            config: .defaults {
                $0.rpc.maxRequestPayloadSize = KMSLimits.maxMessageBytes
                // Few small calls, each waited for: a flush held back to batch writes is only
                // added latency (~0.2 ms a call in ssm-bench).
                $0.connection.flushCoalescing = nil
            }, eventLoopGroup: loops)
        let server = GRPCServer(transport: transport, services: [service])
        let socket = self.socket
        let logger = self.logger
        defer { socket.remove() }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await withTaskExecutorPreference(executor) { try await server.serve() } }
                do {
                    _ = try await transport.listeningAddress
                    try socket.applyOwnership()
                } catch {
                    server.beginGracefulShutdown()
                    throw error
                }
                logger.info(
                    "listening",
                    metadata: [
                        "address": "unix:\(socket.path)", "protocol": "KMS v2 (gRPC)", "key": "\(service.keyName)",
                        "mode": "\(String(socket.mode, radix: 8))", "group": "\(socket.group?.description ?? "-")",
                    ])
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
