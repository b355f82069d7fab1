/// What a borrower is handed: an idle resource, or a permit to open one itself.
@usableFromInline
package enum PoolLease<Resource> {
    /// A resource to use and give back.
    case resource(PooledResource<Resource>)
    /// Capacity reserved for one resource: the borrower opens it, then reports
    /// ``PoolStateMachine/opened(_:now:)`` or ``PoolStateMachine/openFailed(now:)``.
    case openPermit
}

extension PoolLease: Sendable where Resource: Sendable {}
