import Hummingbird

/// Per-request state of ssm's routes.
public struct SSMRequestContext: RequestContext {
    /// Hummingbird's own per-request storage (logger, parameters).
    public var coreContext: CoreRequestContextStorage
    /// The request id: the client's `X-Request-ID` when valid, else generated. Returned in
    /// the response and present in every log line of the request.
    public var requestID: String = ""

    /// Creates the context for a new request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
