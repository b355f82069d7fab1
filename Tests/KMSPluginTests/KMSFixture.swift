import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KMSPlugin
import KMSProto
import Logging
import PKCS11
import SessionPool
import SSMCore
import ServiceLifecycle
import SoftHSMTestSupport
import Synchronization
import Testing

let logger = Logger(label: "kms-test")

/// A name no other test uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8))"
}

/// Audit records, kept for the test to read; refuses or fails on demand.
final class RecordingSink: KMSAuditSink {
    private let state = Mutex<(calls: [KMSCall], accepts: Bool, fails: Bool)>(([], true, false))

    var acceptsCalls: Bool { state.withLock { $0.accepts } }
    var calls: [KMSCall] { state.withLock { $0.calls } }

    func set(accepts: Bool = true, fails: Bool = false) {
        state.withLock {
            $0.accepts = accepts
            $0.fails = fails
        }
    }

    struct WriteFailed: Error {}

    func record(_ call: KMSCall) throws {
        try state.withLock {
            if $0.fails { throw WriteFailed() }
            $0.calls.append(call)
        }
    }
}

/// A plugin serving a fresh socket on the test token, and a client for it.
struct KMSFixture {
    typealias Client = V2_KeyManagementService.Client<HTTP2ClientTransport.Posix>

    let hsm: HSM
    let transit: TransitService
    let keyName: String
    let socketPath: String
    let audit: RecordingSink

    /// A directory for sockets (short: a socket path holds at most 107 bytes).
    static func socketDirectory() throws -> String {
        let directory = "/tmp/ssm-kms-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        return directory
    }

    static func connect(
        modulePath: String? = nil,
        pool: PoolConfiguration = PoolConfiguration(maxSize: 4, minSize: 1, acquireTimeout: .seconds(3)),
        placement: HSMCallPlacement? = nil
    ) async throws -> HSM {
        let token = try SoftHSMToken.shared()
        return try await HSM.connect(
            HSMConfiguration(
                modulePath: modulePath ?? token.modulePath, token: .label(token.label), pin: token.pinBytes, pool: pool,
                placement: placement),
            logger: logger)
    }

    /// Runs `body` with a plugin serving on a new socket (key `keyName`, created by the plugin)
    /// and a client connected to it; stops both afterwards and checks the socket file is gone.
    static func with<R: Sendable>(
        hsm given: HSM? = nil, keyName: String = uniqueName("kms"),
        _ body: (Client, KMSFixture) async throws -> R
    ) async throws -> R {
        let hsm: HSM
        if let given { hsm = given } else { hsm = try await connect() }
        let directory = try socketDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixture = KMSFixture(
            hsm: hsm, transit: TransitService(store: KeyStore(hsm: hsm, logger: logger)), keyName: keyName,
            socketPath: directory + "/kms.sock", audit: RecordingSink())
        let server = try await KMSServer.prepare(
            KMSPluginConfiguration(socketPath: fixture.socketPath, keyName: keyName), transit: fixture.transit, hsm: hsm,
            audit: fixture.audit, logger: logger)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], logger: logger)
        let running = Task { try await group.run() }
        do {
            try await fixture.waitForSocket()
            let result = try await withGRPCClient(
                transport: try .http2NIOPosix(target: .unixDomainSocket(path: fixture.socketPath), transportSecurity: .plaintext)
            ) { client in
                try await body(Client(wrapping: client), fixture)
            }
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(!FileManager.default.fileExists(atPath: fixture.socketPath), "the socket file outlived the plugin")
            if given == nil { await hsm.shutdown() }
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            if given == nil { await hsm.shutdown() }
            throw error
        }
    }

    /// Until the socket is bound and has its final mode (at most 10 s).
    func waitForSocket() async throws {
        try await Self.waitForSocket(socketPath)
    }

    /// Until the socket at `socketPath` is bound and has its final mode (at most 10 s).
    static func waitForSocket(_ socketPath: String) async throws {
        for _ in 0..<1000 {
            if let attributes = try? FileManager.default.attributesOfItem(atPath: socketPath),
                attributes[.type] as? FileAttributeType == .typeSocket,
                (attributes[.posixPermissions] as? Int).map({ $0 & 0o777 == 0o600 || $0 & 0o777 == 0o660 }) == true
            {
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw KMSPluginError("the socket \(socketPath) did not appear")
    }
}

/// The gRPC status code of what `body` threw (nil when it did not throw).
func rpcCode(_ body: () async throws -> Void) async -> RPCError.Code? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        Issue.record("not an RPCError: \(error)")
        return nil
    }
}

extension V2_EncryptRequest {
    init(_ plaintext: [UInt8], uid: String = UUID().uuidString) {
        self.init()
        self.plaintext = Data(plaintext)
        self.uid = uid
    }
}

extension V2_DecryptRequest {
    init(_ ciphertext: Data, uid: String = UUID().uuidString, keyID: String = "") {
        self.init()
        self.ciphertext = ciphertext
        self.uid = uid
        self.keyID = keyID
    }
}
