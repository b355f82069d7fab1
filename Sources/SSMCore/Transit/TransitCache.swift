/// Metadata and version handles of Transit keys by name (``HandleCache``: bounded, each
/// entry valid for the TTL, generations so that a lookup that raced with a change does not
/// store what it read before it).
typealias TransitCache = HandleCache<String, TransitCacheEntry>

/// What is cached of one Transit key.
struct TransitCacheEntry: Sendable {
    var metadata: TransitKeyMetadata
    /// The objects of each version looked up so far.
    var handles: [Int: VersionHandles] = [:]
}
