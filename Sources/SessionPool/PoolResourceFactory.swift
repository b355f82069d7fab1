/// Opens, closes and judges the resources of a ``ResourcePool`` (PKCS#11 sessions in production).
///
/// The pool calls the factory without holding any lock, possibly from several tasks at once.
public protocol PoolResourceFactory: Sendable {
    /// The pooled resource, e.g. a session handle.
    associatedtype Resource: Sendable

    /// Opens one resource. May be slow; called without any pool lock held.
    func openResource() async throws -> Resource

    /// Closes a resource; must not throw (log inside). May be called from a cancelled task
    /// (e.g. a borrower cancelled in its body, or ``ResourcePool/run()`` being cancelled): it must
    /// close the resource all the same.
    func closeResource(_ resource: Resource) async

    /// Whether an error thrown by a borrower (or by the resource) means the resource is broken
    /// and must be closed instead of reused.
    func isFatal(_ error: any Error) -> Bool

    /// Whether an idle resource still works (for a session: `C_GetSessionInfo` succeeds).
    /// Called before lending a resource that was idle for ``PoolConfiguration/checkAfterIdle``;
    /// a resource that fails is closed and another one is lent.
    func check(_ resource: Resource) async -> Bool

    /// An upper bound imposed by the backend (e.g. a token's maximum session count); nil = none.
    /// Read once at pool init.
    var resourceLimit: Int? { get }
}

extension PoolResourceFactory {
    /// Every resource passes by default.
    public func check(_ resource: Resource) async -> Bool { true }

    /// No backend limit by default.
    public var resourceLimit: Int? { nil }
}
