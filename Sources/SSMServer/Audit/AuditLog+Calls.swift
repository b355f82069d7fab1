import Foundation
import SSMCore

/// A call that does not come through the HTTP router (the Kubernetes KMS plugin's gRPC
/// calls), as the audit log records it: who asked for what, with which key, and how it ended;
/// never data.
public struct AuditedCall: Sendable, Hashable {
    /// The caller's identifier of the call (the KMS request's `uid`).
    public var requestID: String
    /// The protocol's verb (`GRPC`).
    public var method: String
    /// What was called (`/v2.KeyManagementService/Encrypt`).
    public var path: String
    /// The operation (`encrypt`, `decrypt`, `stats`).
    public var operation: SSMCore.Operation?
    /// The key's name.
    public var keyLabel: String?
    /// The key's version (a Transit version is its objects' `CKA_ID`).
    public var keyVersion: Int?
    /// The HTTP status the outcome corresponds to.
    public var status: Int
    /// The gRPC status (`OK`, `INVALID_ARGUMENT`, ...).
    public var grpcStatus: String?
    /// How long the call took.
    public var duration: Duration
    /// The peer (`unix:…`).
    public var peer: String?

    /// Creates a record.
    public init(
        requestID: String, method: String, path: String, operation: SSMCore.Operation?, keyLabel: String?, keyVersion: Int?,
        status: Int, grpcStatus: String?, duration: Duration, peer: String?
    ) {
        self.requestID = requestID
        self.method = method
        self.path = path
        self.operation = operation
        self.keyLabel = keyLabel
        self.keyVersion = keyVersion
        self.status = status
        self.grpcStatus = grpcStatus
        self.duration = duration
        self.peer = peer
    }
}

extension AuditLog {
    /// Whether requests may be served: the log can be written, or it fails open.
    public var acceptsRequests: Bool { isHealthy || failOpen }

    /// Appends the record of `call` to the chain, as ``AuditMiddleware`` does for HTTP.
    ///
    /// - Throws: when the line could not be written (whatever `failOpen` says: the caller
    ///   decides).
    public func record(_ call: AuditedCall) throws {
        try append(
            AuditRecord(
                seq: 0, time: Self.timestamp(Date()), requestID: call.requestID, client: nil, method: call.method,
                path: call.path, operation: call.operation?.rawValue, keyLabel: call.keyLabel,
                keyID: call.keyVersion.flatMap { Int32(exactly: $0) }, status: call.status,
                durationMs: AuditRecord.milliseconds(call.duration), peer: call.peer, prev: "", grpcStatus: call.grpcStatus))
    }
}
