import SSMCore

/// How a route is authorized when clients are configured. Every route is registered with
/// one (``RouteRegistrar/add(_:_:_:_:)``), so a route cannot be added unclassified.
public enum RouteAccess: Sendable, Equatable {
    /// No credential needed (`/health-check`, `/ready`, `/login`, `/openapi.yaml`).
    case open
    /// Any client's credential, no particular operation (Vault's token lookup, `hash`).
    case authenticated
    /// The operation on no particular key (`/pool/stats`, `/metrics`, listing every key):
    /// allowed when any rule of the client's policy grants it.
    case global(Operation)
    /// The operation on the key label named in the JSON body: the handler authorizes it
    /// with ``SSMRequestContext/authorizedLabel(_:)`` once the label is read.
    case bodyKey(Operation)
    /// The operation on the key named by a path parameter (`/v1/encrypt/{name}`): checked
    /// by the middleware before the handler runs.
    case pathKey(Operation, parameter: String)

    /// The operation, if any.
    public var operation: Operation? {
        switch self {
        case .open, .authenticated: nil
        case .global(let operation), .bodyKey(let operation), .pathKey(let operation, _): operation
        }
    }
}
