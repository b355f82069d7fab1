/// Why ``ResourcePool/withResource(_:)`` could not lend a resource.
///
/// A borrower whose task is cancelled while waiting gets `CancellationError` instead;
/// a borrower that had to open a resource and failed gets the factory's error.
public enum PoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No resource became available within the configured acquire timeout (carried here).
    case acquireTimeout(Duration)
    /// The pool has been shut down and lends nothing more.
    case shutdown
    /// The pool is full and as many borrowers as allowed (carried here) are already waiting.
    case queueFull(Int)
    /// The pool is full and its overflow policy is `fail`.
    case exhausted

    /// A short explanation.
    public var description: String {
        switch self {
        case .acquireTimeout(let timeout): "no pooled resource became available within \(timeout)"
        case .shutdown: "the resource pool has been shut down"
        case .queueFull(let limit): "every pooled resource is in use and \(limit) borrowers are already waiting"
        case .exhausted: "every pooled resource is in use"
        }
    }
}
