extension TransitService {
    /// The newest version of `name`: from the cache while its entry is fresh (no HSM call),
    /// else read from the token and cached. This service's own rotations show at once;
    /// another process's within the cache's TTL.
    ///
    /// - Throws: ``TransitError/keyNotFound(name:)``, ``HSMUnavailableError`` and the other
    ///   errors of an HSM call when the entry has to be read.
    public func latestVersion(name: String) async throws -> Int {
        try Self.validate(name: name)
        if let entry = cache.value(for: name) { return entry.metadata.latestVersion }
        return try await store.run(.list) { session in try self.resolve(session, name: name).metadata.latestVersion }
    }

    /// Key `name` as it is, or created with `type` and version 1 when it does not exist (also
    /// when another process creates it at the same moment). The caller checks the type of a
    /// key that existed.
    ///
    /// - Throws: the errors of ``describe(name:)`` and ``create(name:type:)``.
    public func ensure(name: String, type: TransitKeyType) async throws -> TransitKeyDescription {
        do {
            return try await describe(name: name)
        } catch TransitError.keyNotFound {
            do {
                return try await create(name: name, type: type)
            } catch TransitError.keyExists {
                return try await describe(name: name)
            }
        }
    }
}
