/// A resource with the instants the pool needs to retire it.
@usableFromInline
package struct PooledResource<Resource> {
    /// The factory's resource.
    @usableFromInline package var resource: Resource
    /// When the resource reaches `maxLifetime` and must be closed instead of reused.
    @usableFromInline package var expiresAt: PoolTimestamp
    /// When the resource was last returned to the idle stack (its opening time until then).
    @usableFromInline package var lastReturnedAt: PoolTimestamp
    /// Idle long enough (``PoolConfiguration/checkAfterIdle``) to be checked before it is lent.
    @usableFromInline package var needsCheck = false

    /// Wraps a resource opened at `now`.
    @inlinable
    package init(resource: Resource, openedAt now: PoolTimestamp, maxLifetime: Duration) {
        self.resource = resource
        self.expiresAt = now + maxLifetime
        self.lastReturnedAt = now
    }
}

extension PooledResource: Sendable where Resource: Sendable {}
