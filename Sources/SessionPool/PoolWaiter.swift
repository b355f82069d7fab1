/// A queued borrower of a ``ResourcePool``: its continuation, boxed.
///
/// The box keeps the state machine's actions a fixed-size layout (one reference), which the
/// inlined fast path copies cheaply; `CheckedContinuation` itself is resilient. It costs one
/// allocation, only when a borrower has to wait.
@usableFromInline
final class PoolWaiter<Resource: Sendable>: Sendable {
    private let continuation: CheckedContinuation<PoolLease<Resource>, any Error>

    init(_ continuation: CheckedContinuation<PoolLease<Resource>, any Error>) {
        self.continuation = continuation
    }

    /// Hands the waiter a resource or a permit to open one.
    func resume(returning lease: PoolLease<Resource>) {
        continuation.resume(returning: lease)
    }

    /// Fails the waiter (timeout, cancellation, shutdown).
    func resume(throwing error: any Error) {
        continuation.resume(throwing: error)
    }
}
