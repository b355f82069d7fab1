import Foundation
import PKCS11

extension TransitService {
    /// Creates key `name` of `type` with version 1, rotated automatically every
    /// `autoRotatePeriod` seconds when given (and greater than 0).
    ///
    /// - Throws: ``TransitError/keyExists(name:)``, ``TransitError/invalidName(_:)``.
    public func create(name: String, type: TransitKeyType, autoRotatePeriod: Int? = nil) async throws -> TransitKeyDescription {
        try Self.validate(name: name)
        let description = try await mutate(name) { session in
            if try Self.loadMetadata(session, name: name) != nil { throw TransitError.keyExists(name: name) }
            var metadata = TransitKeyMetadata(name: name, type: type, created: TransitClock.now())
            if let autoRotatePeriod, autoRotatePeriod > 0 { metadata.autoRotatePeriod = autoRotatePeriod }
            try Self.generateVersion(session, metadata: metadata, version: 1)
            _ = try session.createDataObject(
                application: Self.metadataApplication, label: Self.metadataLabel(name), value: try metadata.encoded())
            return try self.describe(session, metadata: metadata)
        }
        if description.autoRotatePeriod > 0 { noteAutoRotation() }
        return description
    }

    /// Adds a version to `name`; it becomes the one that encrypts and signs.
    public func rotate(name: String) async throws -> TransitKeyDescription {
        try Self.validate(name: name)
        return try await mutate(name) { session in
            let (metadata, handles) = try Self.requireMetadata(session, name: name)
            return try self.describe(session, metadata: try Self.addVersion(session, metadata, replacing: handles))
        }
    }

    /// A change of a key's configuration; nil fields stay as they are.
    public struct Configuration: Sendable, Hashable {
        /// Versions below this no longer decrypt or verify (1 … latest; 0: unchanged).
        public var minDecryptionVersion: Int?
        /// The lowest version that may encrypt, sign or MAC (0: any; at most the latest, and
        /// not below ``minDecryptionVersion``).
        public var minEncryptionVersion: Int?
        /// Whether the key may be deleted.
        public var deletionAllowed: Bool?
        /// Automatic rotation period in seconds (0: off).
        public var autoRotatePeriod: Int?

        /// Creates a change.
        public init(
            minDecryptionVersion: Int? = nil, minEncryptionVersion: Int? = nil, deletionAllowed: Bool? = nil,
            autoRotatePeriod: Int? = nil
        ) {
            self.minDecryptionVersion = minDecryptionVersion
            self.minEncryptionVersion = minEncryptionVersion
            self.deletionAllowed = deletionAllowed
            self.autoRotatePeriod = autoRotatePeriod
        }
    }

    /// Changes `minDecryptionVersion` (1 … latest) and/or `deletionAllowed`.
    public func configure(name: String, minDecryptionVersion: Int?, deletionAllowed: Bool?) async throws -> TransitKeyDescription {
        try await configure(name: name, Configuration(minDecryptionVersion: minDecryptionVersion, deletionAllowed: deletionAllowed))
    }

    /// Applies `change` to `name`'s configuration (Vault's rules: see ``Configuration``).
    public func configure(name: String, _ change: Configuration) async throws -> TransitKeyDescription {
        try Self.validate(name: name)
        let description = try await mutate(name) { session in
            let (old, handles) = try Self.requireMetadata(session, name: name)
            let metadata = try Self.applying(change, to: old)
            if metadata != old { try Self.replaceMetadata(session, with: metadata, replacing: handles) }
            return try self.describe(session, metadata: metadata)
        }
        if description.autoRotatePeriod > 0 { noteAutoRotation() }
        return description
    }

    /// `metadata` with `change` applied, or the rule it breaks.
    static func applying(_ change: Configuration, to metadata: TransitKeyMetadata) throws(TransitError) -> TransitKeyMetadata {
        var metadata = metadata
        if let minimum = change.minDecryptionVersion, minimum != 0 {
            guard minimum >= metadata.minAvailable, minimum <= metadata.latestVersion else {
                throw .invalidArgument(
                    "'min_decryption_version' must be between \(metadata.minAvailable) and the latest version \(metadata.latestVersion)")
            }
            metadata.minDecryptionVersion = minimum
        }
        if let minimum = change.minEncryptionVersion {
            guard minimum >= 0, minimum <= metadata.latestVersion else {
                throw .invalidArgument("'min_encryption_version' must be 0 or at most the latest version \(metadata.latestVersion)")
            }
            metadata.minEncryptionVersion = minimum == 0 ? nil : minimum
        }
        if metadata.minEncryption != 0, metadata.minEncryption < metadata.minDecryptionVersion {
            throw .invalidArgument("'min_encryption_version' must be 0 or at least 'min_decryption_version'")
        }
        if let deletionAllowed = change.deletionAllowed { metadata.deletionAllowed = deletionAllowed }
        if let period = change.autoRotatePeriod {
            guard period >= 0 else { throw .invalidArgument("'auto_rotate_period' must not be negative") }
            metadata.autoRotatePeriod = period == 0 ? nil : period
        }
        return metadata
    }

    /// Destroys every version below `minAvailableVersion` for good (Vault's `trim`). It may be
    /// at most the lower of `minDecryptionVersion` and `minEncryptionVersion`, which must be
    /// set; it never decreases.
    public func trim(name: String, minAvailableVersion: Int) async throws -> TransitKeyDescription {
        try Self.validate(name: name)
        return try await mutate(name) { session in
            let (old, handles) = try Self.requireMetadata(session, name: name)
            guard old.minEncryption > 0 else {
                throw TransitError.invalidArgument("set 'min_encryption_version' before trimming (it is 0)")
            }
            guard minAvailableVersion >= old.minAvailable else {
                throw TransitError.invalidArgument(
                    "'min_available_version' cannot decrease below the current \(old.minAvailable)")
            }
            guard minAvailableVersion <= min(old.minDecryptionVersion, old.minEncryption) else {
                throw TransitError.invalidArgument(
                    "'min_available_version' must be at most the lower of 'min_decryption_version' and 'min_encryption_version'")
            }
            var metadata = old
            metadata.minAvailableVersion = minAvailableVersion
            guard metadata != old else { return try self.describe(session, metadata: old) }
            // The metadata first: a version it no longer offers is gone even if destroying it fails.
            try Self.replaceMetadata(session, with: metadata, replacing: handles)
            for version in old.minAvailable..<minAvailableVersion {
                try Self.destroyVersion(session, name: name, version: version)
            }
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
            for version in metadata.minAvailable...metadata.latestVersion {
                try Self.destroyVersion(session, name: name, version: version)
            }
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
    func mutate<R: Sendable>(
        _ name: String, _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        let cache = self.cache
        defer { cache.invalidate(name) }
        return try await store.exclusive(.generate, identity: .transitKey(name: name), body)
    }

    /// Generates the next version of `metadata`'s key and records it.
    static func addVersion(
        _ session: borrowing Session, _ old: TransitKeyMetadata, replacing handles: [ObjectHandle], now: Date = Date()
    ) throws -> TransitKeyMetadata {
        var metadata = old
        metadata.latestVersion += 1
        metadata.versionCreated.append(TransitClock.format(now))
        try generateVersion(session, metadata: metadata, version: metadata.latestVersion)
        try replaceMetadata(session, with: metadata, replacing: handles)
        return metadata
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
        case .ecdsaP256, .ecdsaP384, .rsa2048, .rsa3072, .rsa4096:
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
        for (index, created) in metadata.versionCreated.enumerated() where index + 1 >= metadata.minAvailable {
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
            minDecryptionVersion: metadata.minDecryptionVersion, deletionAllowed: metadata.deletionAllowed,
            minEncryptionVersion: metadata.minEncryption, minAvailableVersion: metadata.minAvailable,
            autoRotatePeriod: metadata.rotatePeriod, versions: versions)
    }
}
