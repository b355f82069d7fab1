import Foundation
import GRPCCore
import KMSProto
import Logging
import SSMCore
import Synchronization

/// `v2.KeyManagementService` over a Transit key of the HSM: the key encryption key.
///
/// - `Encrypt` seals the plaintext with the key's newest version (AES-256-GCM in the HSM)
///   and answers the Transit ciphertext `vault:v<N>:<base64>` as bytes, with the `key_id` of
///   that version (``KMSKeyID``). The ciphertext names its version, so `Decrypt` reads
///   neither `key_id` nor annotations, and every version the key still has decrypts after a
///   rotation (Transit `rotate`, from any replica).
/// - `Status` answers `v2`, `ok` while the HSM is usable (its circuit breaker closed, its
///   login held, the audit log writable) or a short reason, and the current `key_id`: from
///   the Transit cache, so a poll costs no HSM call while the cached entry is fresh.
/// - Failures are gRPC statuses (``RPCError/init(_:)``); a call whose deadline passes ends
///   with `DEADLINE_EXCEEDED` (``RPCDeadline``); every call is recorded in the audit log.
public final class KMSService: V2_KeyManagementService.ServiceProtocol {
    let transit: TransitService
    let hsm: HSM
    /// The Transit key that encrypts.
    public let keyName: String
    let audit: (any KMSAuditSink)?
    let logger: Logger
    /// The newest version seen, answered by `Status` while the HSM cannot be asked.
    let lastVersion: Mutex<Int?>

    /// Creates the service; ``KMSServer/prepare(_:transit:hsm:audit:logger:)`` checks the key
    /// first.
    public init(transit: TransitService, hsm: HSM, keyName: String, audit: (any KMSAuditSink)?, logger: Logger) {
        self.transit = transit
        self.hsm = hsm
        self.keyName = keyName
        self.audit = audit
        self.logger = logger
        self.lastVersion = Mutex(nil)
    }

    // MARK: - The calls

    public func status(
        request: ServerRequest<V2_StatusRequest>, context: ServerContext
    ) async throws -> ServerResponse<V2_StatusResponse> {
        // Not refused when the audit log fails: Status is how kube-apiserver learns why.
        try await respond(.status, uid: "", request.metadata, context, refuseWithoutAudit: false) { note in
            let (healthz, version) = await self.health()
            note.set(version)
            var response = V2_StatusResponse()
            response.version = "v2"
            response.healthz = healthz
            response.keyID = version.map { KMSKeyID.make(name: self.keyName, version: $0) } ?? ""
            return response
        }
    }

    public func encrypt(
        request: ServerRequest<V2_EncryptRequest>, context: ServerContext
    ) async throws -> ServerResponse<V2_EncryptResponse> {
        let plaintext = request.message.plaintext
        return try await respond(.encrypt, uid: request.message.uid, request.metadata, context) { note in
            guard !plaintext.isEmpty else {
                throw RPCError(code: .invalidArgument, message: "INVALID_REQUEST: 'plaintext' is empty")
            }
            guard plaintext.count <= KMSLimits.maxPlaintextBytes else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "PLAINTEXT_TOO_LARGE: 'plaintext' is larger than \(KMSLimits.maxPlaintextBytes) bytes")
            }
            let results = try await self.transit.encrypt(
                name: self.keyName, items: [TransitService.EncryptItem(plaintext: Array(plaintext))])
            guard let encrypted = try results.first?.get() else { throw RPCError(code: .internalError, message: "no result") }
            note.set(encrypted.version)
            self.lastVersion.withLock { $0 = max($0 ?? 0, encrypted.version) }
            var response = V2_EncryptResponse()
            response.ciphertext = Data(encrypted.ciphertext.utf8)
            response.keyID = KMSKeyID.make(name: self.keyName, version: encrypted.version)
            return response
        }
    }

    public func decrypt(
        request: ServerRequest<V2_DecryptRequest>, context: ServerContext
    ) async throws -> ServerResponse<V2_DecryptResponse> {
        let ciphertext = request.message.ciphertext
        return try await respond(.decrypt, uid: request.message.uid, request.metadata, context) { note in
            guard ciphertext.count <= KMSLimits.maxCiphertextBytes else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "INVALID_CIPHERTEXT: 'ciphertext' is larger than \(KMSLimits.maxCiphertextBytes) bytes")
            }
            // Not UTF-8 cannot be vault:v<N>:<base64>; the parse names the problem otherwise.
            let text = String(data: ciphertext, encoding: .utf8) ?? ""
            let parsed = try TransitCiphertext(parsing: text)
            note.set(parsed.version)
            let results = try await self.transit.decrypt(
                name: self.keyName, items: [TransitService.DecryptItem(ciphertext: text)])
            guard let plaintext = try results.first?.get() else { throw RPCError(code: .internalError, message: "no result") }
            var response = V2_DecryptResponse()
            response.plaintext = Data(plaintext)
            return response
        }
    }

    // MARK: - Health

    /// `ok` and the newest version, or a short reason and the newest version known.
    func health() async -> (healthz: String, version: Int?) {
        let known = lastVersion.withLock { $0 }
        if let problem = unusable() { return (problem, known) }
        do {
            let version = try await transit.latestVersion(name: keyName)
            lastVersion.withLock { $0 = version }
            return ("ok", version)
        } catch {
            let reason = SSMError(classifying: error).map { "\($0.code): \($0.detail)" } ?? "internal error"
            return (reason, known)
        }
    }

    /// Why calls cannot be served now, read without an HSM call: the circuit breaker is open
    /// (the HSM was lost; the health checks of `pkcs11.healthCheckInterval` notice it without
    /// a request), every PIN was refused, or the audit log cannot be written.
    func unusable() -> String? {
        let circuit = hsm.circuit()
        if circuit.state != .closed {
            return "HSM unavailable (\(circuit.lastError ?? "lost")); ssm is reconnecting"
        }
        if hsm.loginStatus().waitingForPIN { return "HSM login refused; ssm waits for a new PIN" }
        if let audit, !audit.acceptsCalls { return "the audit log cannot be written" }
        return nil
    }

    // MARK: - Answering

    /// What a call tells its audit record besides its outcome: the key version it used.
    final class CallNote: Sendable {
        private let value = Mutex<Int?>(nil)
        func set(_ version: Int?) { value.withLock { $0 = version } }
        var version: Int? { value.withLock { $0 } }
    }

    /// Runs one call: refused at once while the audit log cannot be written (unless
    /// `refuseWithoutAudit` is false), `body` bounded by the call's deadline, its error as a
    /// gRPC status, and its audit record written before the answer.
    func respond<Message: Sendable>(
        _ method: KMSMethod, uid: String, _ metadata: Metadata, _ context: ServerContext, refuseWithoutAudit: Bool = true,
        _ body: @escaping @Sendable (CallNote) async throws -> Message
    ) async throws -> ServerResponse<Message> {
        let start = ContinuousClock.now
        if refuseWithoutAudit, let audit, !audit.acceptsCalls {
            throw RPCError(code: .unavailable, message: "AUDIT_UNAVAILABLE: the audit log cannot be written; no call is served")
        }
        let note = CallNote()
        let outcome: Result<Message, RPCError>
        do {
            outcome = .success(try await RPCDeadline(metadata: metadata, start: start).run(context) { try await body(note) })
        } catch {
            let answer = RPCError.answering(error)
            if answer.code == .internalError {
                logger.error("KMS call failed", metadata: ["method": "\(method.rawValue)", "uid": "\(uid)", "error": "\(error)"])
            }
            outcome = .failure(answer)
        }
        let code: RPCError.Code? =
            switch outcome {
            case .success: nil
            case .failure(let error): error.code
            }
        let call = KMSCall(
            method: method, uid: uid, keyName: keyName, keyVersion: note.version, status: code?.name ?? "OK",
            httpStatus: code?.httpStatus ?? 200, duration: ContinuousClock.now - start, peer: context.remotePeer)
        logger.trace(
            "KMS call", metadata: ["method": "\(method.rawValue)", "uid": "\(uid)", "status": "\(call.status)"])
        if let audit {
            do {
                try audit.record(call)
            } catch where method != .status {
                logger.critical("audit record not written", metadata: ["error": "\(error)"])
                throw RPCError(code: .internalError, message: "AUDIT_FAILED: the audit record could not be written")
            } catch {
                logger.critical("audit record not written", metadata: ["error": "\(error)"])
            }
        }
        return ServerResponse(accepted: outcome.map { ServerResponse.Contents(message: $0) })
    }
}
