import SSMCore
import Hummingbird
import NIOCore
import Synchronization

/// Per-request state of ssm's routes.
public struct SSMRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's own per-request storage (logger, parameters).
    public var coreContext: CoreRequestContextStorage
    /// The request id: the client's `X-Request-ID` when valid, else generated. Returned in
    /// the response and present in every log line of the request.
    public var requestID: String = ""
    /// The peer's address (nil on a Unix socket or in router tests).
    public let remoteAddress: SocketAddress?
    /// The connection (for the TLS peer certificate).
    let channel: (any Channel)?
    /// How the matched route is authorized, set by ``SecurityMiddleware``.
    var access: RouteAccess = .open
    /// The authenticated client, or nil (open API or open route).
    var client: Client?
    /// True when clients are configured and credentials are enforced.
    var enforcing = false
    /// What the audit record of this request says beyond the request line; shared by every
    /// copy of the context.
    let note = RequestNote()

    /// Creates the context for a new request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.remoteAddress = source.channel.remoteAddress
    }

    /// `raw` checked as a key label (``RequestValidation/label(_:field:)``) and authorized for
    /// the route's operation. Every route whose key comes from the body reads its label
    /// through this, and nowhere else.
    ///
    /// - Throws: 400 for a bad label, 403 `FORBIDDEN` when the client's policy does not
    ///   grant the operation on it.
    func authorizedLabel(_ raw: String, field: String = "key_label") throws -> String {
        let label = try RequestValidation.label(raw, field: field)
        note.setKey(label: label)
        try authorize(key: label)
        return label
    }

    /// Checks that the client may perform the route's operation on `label`.
    func authorize(key label: String) throws {
        guard enforcing, let operation = access.operation else { return }
        guard let client, client.allows(operation, key: label) else {
            throw Problem.forbidden(operation: operation, key: label, client: client?.id)
        }
    }

    /// Whether the client may see the key `label` in a listing (always with no clients).
    func mayList(_ label: String) -> Bool {
        may(.list, key: label)
    }

    /// Whether the client may perform `operation` on `label` (always with no clients).
    func may(_ operation: Operation, key label: String) -> Bool {
        guard enforcing else { return true }
        return client?.allows(operation, key: label) ?? false
    }
}

/// The parts of an audit record that handlers learn: the key label and id. A class so that
/// the outer middleware sees what the handler wrote into its copy of the context.
final class RequestNote: Sendable {
    struct Values {
        var clientID: String?
        var operation: Operation?
        var label: String?
        var keyID: Int32?
    }

    private let values = Mutex(Values())

    func setKey(label: String, id: Int32? = nil) {
        values.withLock {
            $0.label = label
            if let id { $0.keyID = id }
        }
    }

    func setKeyID(_ id: Int32) { values.withLock { $0.keyID = id } }
    func setClient(_ id: String) { values.withLock { $0.clientID = id } }
    func setOperation(_ operation: Operation?) { values.withLock { $0.operation = operation } }
    var current: Values { values.withLock { $0 } }
}

extension Problem {
    /// 401 `UNAUTHORIZED` with `WWW-Authenticate: Bearer`.
    static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, "UNAUTHORIZED", detail, headers: [.wwwAuthenticate: "Bearer realm=\"ssm\""])
    }

    /// 403 `FORBIDDEN`.
    static func forbidden(operation: Operation, key: String?, client: String?) -> Problem {
        let target = key.map { " on key '\($0)'" } ?? ""
        return Problem(.forbidden, "FORBIDDEN", "client '\(client ?? "?")' may not \(operation.rawValue)\(target)")
    }
}
