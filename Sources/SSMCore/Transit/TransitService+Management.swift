import PKCS11

extension TransitService {
    /// Creates key `name` of `type` with version 1.
    ///
    /// - Throws: ``TransitError/keyExists(name:)``, ``TransitError/invalidName(_:)``.
    public func create(name: String, type: TransitKeyType) async throws -> TransitKeyDescription {
        try Self.validate(name: name)
        return try await mutate(name) { session in
            if try Self.loadMetadata(session, name: name) != nil { throw TransitError.keyExists(name: name) }
            let metadata = TransitKeyMetadata(name: name, type: type, created: TransitClock.now())
            try Self.generateVersion(session, metadata: metadata, version: 1)
            _ = try session.createDataObject(
                application: Self.metadataApplication, label: Self.metadataLabel(name), value: try metadata.encoded())
            return try self.describe(session, metadata: metadata)
        }
    }

    /// Adds a version to `name`; it becomes the one that encrypts and signs.
    public func rotate(name: String) async throws -> TransitKeyDescription {
        try Self.validate(name: name)
        return try await mutate(name) { session in
            let (old, handles) = try Self.requireMetadata(session, name: name)
            var metadata = old
            metadata.latestVersion += 1
            metadata.versionCreated.append(TransitClock.now())
            try Self.generateVersion(session, metadata: metadata, version: metadata.latestVersion)
            try Self.replaceMetadata(session, with: metadata, replacing: handles)
            return try self.describe(session, metadata: metadata)
        }
    }

    /// Changes `minDecryptionVersion` (1 … latest) and/or `deletionAllowed`.
    public func configure(name: String, minDecryptionVersion: Int?, deletionAllowed: Bool?) async throws -> TransitKeyDescription {
        try Self.validate(name: name)
        return try await mutate(name) { session in
            let (old, handles) = try Self.requireMetadata(session, name: name)
            var metadata = old
            if let minimum = minDecryptionVersion {
                guard minimum >= 1, minimum <= metadata.latestVersion else {
                    throw TransitError.invalidArgument(
                        "'min_decryption_version' must be between 1 and the latest version \(metadata.latestVersion)")
                }
                metadata.minDecryptionVersion = minimum
            }
            if let deletionAllowed { metadata.deletionAllowed = deletionAllowed }
            if metadata != old { try Self.replaceMetadata(session, with: metadata, replacing: handles) }
            return try self.describe(session, metadata: metadata)
        }
    }

    /// Deletes `name` and every version, when its configuration allows deletion.
    public func delete(name: String) async throws {
        try Self.validate(name: name)
        try await mutate(name) { session in
            let (metadata, handles) = try Self.requireMetadata(session, name: name)
            guard metadata.deletionAllowed else { throw TransitError.deletionNotAllowed(name: name) }
            // The metadata first: once it is gone the key is gone, whatever happens next.
            for handle in handles { try session.destroyObject(handle) }
            for version in 1...metadata.latestVersion { try Self.destroyVersion(session, name: name, version: version) }
        }
    }

    /// The names of every key, sorted.
    public func list() async throws -> [String] {
        try await store.run(.list) { session in
            let handles = try session.findDataObjects(application: Self.metadataApplication)
            if handles.isEmpty { try KeyStore.requireLogin(session) }
            var names = Set<String>()
            for handle in handles {
                guard let object = try? session.dataObject(handle),
                    object.label.hasPrefix(Self.labelPrefix),
                    let metadata = TransitKeyMetadata.decode(object.value)
                else { continue }
                names.insert(metadata.name)
            }
            return names.sorted()
        }
    }

    /// Describes `name`: type, versions with creation times, configuration, and the public
    /// key of each version for asymmetric types.
    public func describe(name: String) async throws -> TransitKeyDescription {
        try Self.validate(name: name)
        return try await store.run(.list) { session in
            guard let (metadata, _) = try Self.loadMetadata(session, name: name) else {
                throw TransitError.keyNotFound(name: name)
            }
            return try self.describe(session, metadata: metadata)
        }
    }

    // MARK: - Helpers

    /// Runs a change of `name` alone in this process and under the name's identity claim
    /// against other processes (``KeyStore/exclusive(_:identity:_:)``), not retried, and
    /// drops the cache entry afterwards.
    private func mutate<R: Sendable>(
        _ name: String, _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        let cache = self.cache
        defer { cache.invalidate(name) }
        return try await store.exclusive(.generate, identity: .transitKey(name: name), body)
    }

    static func requireMetadata(_ session: borrowing Session, name: String) throws -> (TransitKeyMetadata, [ObjectHandle]) {
        guard let found = try loadMetadata(session, name: name) else { throw TransitError.keyNotFound(name: name) }
        return found
    }

    /// Writes `metadata` as a new object, then destroys the old ones.
    static func replaceMetadata(_ session: borrowing Session, with metadata: TransitKeyMetadata, replacing old: [ObjectHandle]) throws {
        var next = metadata
        next.revision += 1
        _ = try session.createDataObject(
            application: metadataApplication, label: metadataLabel(metadata.name), value: try next.encoded())
        for handle in old { try session.destroyObject(handle) }
    }

    /// Generates the objects of `version` (destroying leftovers of an interrupted earlier try).
    static func generateVersion(_ session: borrowing Session, metadata: TransitKeyMetadata, version: Int) throws {
        try destroyVersion(session, name: metadata.name, version: version)
        let label = objectLabel(metadata.name, version: version)
        let id = KeyID(Int32(version))
        switch metadata.type {
        case .aes256GCM:
            _ = try session.generateKey(.aes(bits: 256), label: label, id: id, usage: [.encrypt, .decrypt])
        case .aes128GCM:
            _ = try session.generateKey(.aes(bits: 128), label: label, id: id, usage: [.encrypt, .decrypt])
        case .hmacSHA256:
            _ = try session.generateGenericSecret(lengthBytes: TransitKeyType.hmacKeyLength, label: label, id: id)
        case .ecdsaP256, .rsa2048, .rsa3072, .rsa4096:
            guard let pair = metadata.type.keyPairType else { return }
            _ = try session.generateKeyPair(pair, label: label, id: id)
        }
    }

    /// Destroys every object of `version`.
    static func destroyVersion(_ session: borrowing Session, name: String, version: Int) throws {
        let label = objectLabel(name, version: version)
        for objectClass in [ObjectClass.secretKey, .privateKey, .publicKey] {
            for handle in try session.findObjects(objectClass, label: label) { try session.destroyObject(handle) }
        }
    }

    func describe(_ session: borrowing Session, metadata: TransitKeyMetadata) throws -> TransitKeyDescription {
        var versions: [TransitKeyDescription.Version] = []
        for (index, created) in metadata.versionCreated.enumerated() {
            let version = index + 1
            var pem: String?
            if metadata.type.isAsymmetric,
                let publicKey = try session.findObjects(.publicKey, label: Self.objectLabel(metadata.name, version: version)).first
            {
                pem = try PublicKeyPEM.pem(session.publicKeyValue(publicKey))
            }
            versions.append(.init(version: version, created: created, publicKeyPEM: pem))
        }
        return TransitKeyDescription(
            name: metadata.name, type: metadata.type, latestVersion: metadata.latestVersion,
            minDecryptionVersion: metadata.minDecryptionVersion, deletionAllowed: metadata.deletionAllowed, versions: versions)
    }
}
