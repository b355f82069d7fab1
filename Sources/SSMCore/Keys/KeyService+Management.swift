import Logging
import PKCS11

extension KeyService {
    /// Generates a key in the HSM (token, sensitive, not extractable, encrypt/decrypt/wrap/unwrap).
    ///
    /// - Parameter id: the key's id, or nil for the label's highest id + 1.
    /// - Throws: ``KeyServiceError/keyExists(label:id:)`` when the id is taken.
    public func generate(_ type: SecretKeyType, label: String, id: KeyID?) async throws -> KeyInfo {
        try KeyLabel.validateSSM(label)
        let key = try await create(.generate, label: label, id: id) { session, id in
            try session.generateKey(type, label: label, id: id)
        }
        log("key generated", key)
        return key
    }

    /// Imports a key value. The value is copied into the HSM and zeroed here afterwards.
    ///
    /// - Parameter id: the key's id, or nil for the label's highest id + 1.
    public func importKey(_ type: SecretKeyType, value: [UInt8], label: String, id: KeyID?) async throws -> KeyInfo {
        try KeyLabel.validateSSM(label)
        try Self.checkKeyValue(value, type: type)
        let key = try await create(.store, label: label, id: id) { session, id in
            try session.importKey(type, value: value, label: label, id: id)
        }
        log("key imported", key)
        return key
    }

    /// Replaces the value of key `id` of `label`: the new object is created first and the
    /// old one destroyed only once that succeeded, so a failure never loses the key.
    public func replaceKey(_ type: SecretKeyType, value: [UInt8], label: String, id: KeyID) async throws -> KeyInfo {
        try KeyLabel.validateSSM(label)
        try Self.checkKeyValue(value, type: type)
        let key = try await mutate(.store, label: label) { session in
            let old = try session.findSecretKeys(label: label, id: id)
            guard !old.isEmpty else {
                try KeyStore.requireLogin(session)
                throw KeyServiceError.keyNotFound(label: label, id: id)
            }
            let handle = try session.importKey(type, value: value, label: label, id: id)
            do {
                let replacement = try session.keyInfo(handle)
                for object in old { try session.destroyObject(object) }
                return replacement
            } catch {
                // Keep the old key: take the new object away again.
                try? session.destroyObject(handle)
                throw error
            }
        }
        log("key replaced", key)
        return key
    }

    /// Destroys key `id` of `label`. There is no "any key" form: the id is required.
    public func deleteKey(label: String, id: KeyID) async throws {
        try KeyLabel.validateSSM(label)
        try await mutate(.delete, label: label) { session in
            let objects = try session.findSecretKeys(label: label, id: id)
            guard !objects.isEmpty else {
                try KeyStore.requireLogin(session)
                throw KeyServiceError.keyNotFound(label: label, id: id)
            }
            for object in objects { try session.destroyObject(object) }
        }
        logger.info("key deleted", metadata: ["label": "\(label)", "id": "\(id)"])
    }

    /// The keys of `label`, sorted by id, read from the HSM (and refreshing the cache).
    public func keys(label: String) async throws -> [KeyInfo] {
        try KeyLabel.validateSSM(label)
        let cache = self.cache
        return try await run(.list) { session in try Self.loadKeys(session, label: label, caching: cache) }
    }

    /// Key `id` of `label`.
    public func key(label: String, id: KeyID) async throws -> KeyInfo {
        guard let key = try await keys(label: label).last(where: { $0.id == id }) else {
            throw KeyServiceError.keyNotFound(label: label, id: id)
        }
        return key
    }

    /// Every SSM key of the token (no Transit or internal key), grouped by label, each
    /// group sorted by id.
    public func allKeys() async throws -> [String: [KeyInfo]] {
        let keys = try await run(.list) { session in try Self.loadKeys(session, label: nil) }
        return Dictionary(grouping: keys, by: \.label).mapValues { $0.sortedByID() }
    }

    // MARK: - Helpers

    /// Logs a key change: label, id, type and size, never the value.
    private func log(_ message: Logger.Message, _ key: KeyInfo) {
        logger.info(
            message,
            metadata: [
                "label": "\(key.label)", "id": "\(key.id?.description ?? "-")",
                "type": "\(key.type.wireName)", "bits": "\(key.bits ?? 0)",
            ])
    }

    /// Creates a key under the mutation lock: picks the id, refuses a taken one.
    private func create(
        _ operation: Operation, label: String, id requested: KeyID?,
        _ make: @escaping @Sendable (borrowing Session, KeyID) throws -> ObjectHandle
    ) async throws -> KeyInfo {
        try await mutate(operation, label: label) { session in
            let ids = try Self.loadKeys(session, label: label).compactMap(\.id)
            let id: KeyID
            if let requested {
                guard !ids.contains(requested) else { throw KeyServiceError.keyExists(label: label, id: requested) }
                id = requested
            } else {
                let highest = ids.map(\.rawValue).max() ?? 0
                guard highest < Int32.max else { throw KeyServiceError.invalidArgument("label '\(label)' has no free id left") }
                id = KeyID(rawValue: max(highest, 0) + 1)
            }
            return try session.keyInfo(make(session, id))
        }
    }

    /// Runs a key change of `label` on a pooled session, alone among this process's changes
    /// and holding the label's identity claim against other processes on the token
    /// (``KeyStore/exclusive(_:identity:_:)``), and drops the label from the cache afterwards
    /// (also when it failed halfway).
    private func mutate<R: Sendable>(
        _ operation: Operation, label: String,
        _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        let cache = self.cache
        defer { cache.invalidate(LabelBytes(label)) }
        return try await store.exclusive(operation, identity: .ssmKey(label: label), body)
    }

    /// A value of the type's length (`SecretKeyType.lengthBytes`), as a 400-class error here
    /// rather than the PKCS#11 layer's generic invalid argument.
    private static func checkKeyValue(_ value: [UInt8], type: SecretKeyType) throws {
        guard value.count == type.lengthBytes else {
            throw KeyServiceError.invalidKeySize("a \(type) key value must be \(type.lengthBytes) bytes, got \(value.count)")
        }
    }
}
