/// Why ``ResourcePool/withResource(_:)`` could not lend a resource.
///
/// A borrower whose task is cancelled while waiting gets `CancellationError` instead;
/// a borrower that had to open a resource and failed gets the factory's error.
public enum PoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No resource became available within the configured acquire timeout (carried here).
    case acquireTimeout(Duration)
    /// The pool has been shut down and lends nothing more.
    case shutdown

    /// A short explanation.
    public var description: String {
        switch self {
        case .acquireTimeout(let timeout): "no pooled resource became available within \(timeout)"
        case .shutdown: "the resource pool has been shut down"
        }
    }
}
