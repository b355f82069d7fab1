import GRPCCore

/// One call to the plugin as the audit log records it: never a plaintext or a ciphertext.
public struct KMSCall: Sendable, Hashable {
    /// The method called.
    public var method: KMSMethod
    /// The request's `uid` (kube-apiserver's identifier of the call; empty for `Status`).
    public var uid: String
    /// The Transit key (the key encryption key).
    public var keyName: String
    /// The key version that encrypted or decrypted, when one did.
    public var keyVersion: Int?
    /// The gRPC status (`OK`, `INVALID_ARGUMENT`, ...).
    public var status: String
    /// The HTTP status that corresponds to it (gRPC's own mapping: 200, 400, 404, 503, 504 ...).
    public var httpStatus: Int
    /// How long the call took.
    public var duration: Duration
    /// The peer as the transport names it (`unix:…`).
    public var peer: String

    /// Creates a record.
    public init(
        method: KMSMethod, uid: String, keyName: String, keyVersion: Int?, status: String, httpStatus: Int,
        duration: Duration, peer: String
    ) {
        self.method = method
        self.uid = uid
        self.keyName = keyName
        self.keyVersion = keyVersion
        self.status = status
        self.httpStatus = httpStatus
        self.duration = duration
        self.peer = peer
    }
}

/// Where the plugin records its calls: the daemon's audit log.
public protocol KMSAuditSink: Sendable {
    /// Whether calls may be served now (false when the log has failed and does not fail
    /// open: every call is then refused with `UNAVAILABLE`, as HTTP requests get 503).
    var acceptsCalls: Bool { get }

    /// Records one call. Throws when the record could not be written and the call must fail
    /// (it then answers `INTERNAL`, as an HTTP request answers 500).
    func record(_ call: KMSCall) throws
}

extension RPCError.Code {
    /// The canonical upper-case name (`INVALID_ARGUMENT`).
    var name: String {
        switch self {
        case .cancelled: "CANCELLED"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .outOfRange: "OUT_OF_RANGE"
        case .unimplemented: "UNIMPLEMENTED"
        case .internalError: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .dataLoss: "DATA_LOSS"
        case .unauthenticated: "UNAUTHENTICATED"
        default: "UNKNOWN"
        }
    }

    /// The HTTP status gRPC's own mapping gives the code (grpc-gateway's table).
    var httpStatus: Int {
        switch self {
        case .cancelled: 499
        case .invalidArgument, .failedPrecondition, .outOfRange: 400
        case .deadlineExceeded: 504
        case .notFound: 404
        case .alreadyExists, .aborted: 409
        case .permissionDenied: 403
        case .resourceExhausted: 429
        case .unimplemented: 501
        case .unavailable: 503
        case .unauthenticated: 401
        default: 500
        }
    }
}
