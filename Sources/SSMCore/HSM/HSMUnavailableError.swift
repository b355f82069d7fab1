/// The HSM cannot take requests now: it was lost and ssm is reconnecting (the circuit breaker
/// is open), or a PIN change did not finish in time. Thrown at once, without waiting.
public struct HSMUnavailableError: Error, Sendable, CustomStringConvertible {
    /// Why, without secrets.
    public var reason: String
    /// When to try again.
    public var retryAfter: Duration

    /// Creates the error.
    public init(reason: String, retryAfter: Duration) {
        self.reason = reason
        self.retryAfter = retryAfter
    }

    public var description: String { reason }
}
