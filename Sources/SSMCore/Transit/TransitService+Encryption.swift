import PKCS11

extension TransitService {
    /// One plaintext to encrypt.
    public struct EncryptItem: Sendable {
        /// The plaintext (at most ``TransitLimits/maxPlaintextBytes``).
        public var plaintext: [UInt8]
        /// Bound as GCM additional authenticated data; needed again to decrypt.
        public var associatedData: [UInt8]
        /// The version to encrypt with (nil or 0: the newest).
        public var version: Int?

        /// Creates an item.
        public init(plaintext: [UInt8], associatedData: [UInt8] = [], version: Int? = nil) {
            self.plaintext = plaintext
            self.associatedData = associatedData
            self.version = version
        }
    }

    /// One ciphertext to decrypt or rewrap.
    public struct DecryptItem: Sendable {
        /// `vault:v<N>:<base64>`.
        public var ciphertext: String
        /// The associated data given at encryption.
        public var associatedData: [UInt8]

        /// Creates an item.
        public init(ciphertext: String, associatedData: [UInt8] = []) {
            self.ciphertext = ciphertext
            self.associatedData = associatedData
        }
    }

    /// An encryption's result.
    public struct Encrypted: Sendable, Hashable {
        /// `vault:v<N>:<base64(IV ‖ ciphertext ‖ tag)>`.
        public var ciphertext: String
        /// The version that encrypted.
        public var version: Int
    }

    /// A data key: `plaintext` (only when asked for) and the same key wrapped under a named key.
    public struct DataKey: Sendable {
        /// The key itself (nil for the `wrapped` variant).
        public var plaintext: [UInt8]?
        /// The key encrypted under the named key, as from ``encrypt(name:items:)``.
        public var ciphertext: String
        /// The version that wrapped it.
        public var version: Int
    }

    /// Encrypts each item with AES-GCM under `name` (a 12-byte random IV per item).
    public func encrypt(name: String, items: [EncryptItem]) async throws -> [Result<Encrypted, TransitError>] {
        // The IVs of the whole batch in one draw: not one lock of the shared random buffer per
        // item, which ten PKCS#11 threads would contend for.
        let ivs = RandomBytes.chunks(count: items.count, length: 12)
        return try await runBatch(.encrypt, name: name, items: Array(zip(items, ivs))) { session, entry, pair in
            try self.encrypt(session, entry, pair.0, iv: pair.1)
        }
    }

    /// Decrypts each item under `name`.
    public func decrypt(name: String, items: [DecryptItem]) async throws -> [Result<[UInt8], TransitError>] {
        try await runBatch(.decrypt, name: name, items: items) { session, entry, item in
            try self.decrypt(session, entry, item)
        }
    }

    /// Decrypts each item and encrypts it again under the newest version (the plaintext stays
    /// inside the service and is zeroed).
    public func rewrap(name: String, items: [DecryptItem]) async throws -> [Result<Encrypted, TransitError>] {
        try await runBatch(.encrypt, name: name, items: items) { session, entry, item in
            var plaintext = try self.decrypt(session, entry, item)
            defer { plaintext.zeroize() }
            return try self.encrypt(
                session, entry, EncryptItem(plaintext: plaintext, associatedData: item.associatedData))
        }
    }

    /// A fresh data key of `bits` (128, 256 or 512) from the HSM's generator, wrapped under
    /// `name`; its plaintext too when `includePlaintext`.
    public func dataKey(name: String, bits: Int, includePlaintext: Bool, associatedData: [UInt8] = []) async throws -> DataKey {
        guard [128, 256, 512].contains(bits) else { throw TransitError.invalidArgument("'bits' must be 128, 256 or 512") }
        return try await runOne(.encrypt, name: name, item: bits / 8) { session, entry, count in
            var key = try session.generateRandom(count: count)
            defer { key.zeroize() }
            let sealed = try self.encrypt(session, entry, EncryptItem(plaintext: key, associatedData: associatedData))
            return DataKey(plaintext: includePlaintext ? key : nil, ciphertext: sealed.ciphertext, version: sealed.version)
        }
    }

    /// `count` bytes from the HSM's generator (1 … ``TransitLimits/maxRandomBytes``).
    public func random(count: Int) async throws -> [UInt8] {
        guard (1...TransitLimits.maxRandomBytes).contains(count) else {
            throw TransitError.invalidArgument("the byte count must be between 1 and \(TransitLimits.maxRandomBytes)")
        }
        return try await store.run(.random) { session in try session.generateRandom(count: count) }
    }

    // MARK: - On a session

    func encrypt(
        _ session: borrowing Session, _ entry: TransitCacheEntry, _ item: EncryptItem, iv: [UInt8] = KeyService.randomIV(count: 12)
    ) throws -> Encrypted {
        let metadata = entry.metadata
        guard metadata.type.supportsEncryption else {
            throw TransitError.unsupportedOperation(type: metadata.type, operation: .encrypt)
        }
        guard item.plaintext.count <= TransitLimits.maxPlaintextBytes else {
            throw TransitError.plaintextTooLarge(limit: TransitLimits.maxPlaintextBytes)
        }
        let version = try Self.writeVersion(metadata, requested: item.version)
        guard let key = try handles(session, entry: entry, version: version).secret else {
            throw TransitError.versionNotFound(name: metadata.name, version: version)
        }
        let sealed = try session.encrypt(.aesGCM(iv: iv, aad: item.associatedData), key: key, data: item.plaintext)
        return Encrypted(ciphertext: TransitCiphertext(version: version, bytes: iv + sealed).string, version: version)
    }

    func decrypt(_ session: borrowing Session, _ entry: TransitCacheEntry, _ item: DecryptItem) throws -> [UInt8] {
        let metadata = entry.metadata
        guard metadata.type.supportsEncryption else {
            throw TransitError.unsupportedOperation(type: metadata.type, operation: .decrypt)
        }
        let parsed = try TransitCiphertext(parsing: item.ciphertext)
        guard parsed.bytes.count >= 12 + 16 else {
            throw TransitError.invalidCiphertext("'ciphertext' is too short to hold an IV and a tag")
        }
        try Self.checkReadable(metadata, version: parsed.version)
        guard let key = try handles(session, entry: entry, version: parsed.version).secret else {
            throw TransitError.versionNotFound(name: metadata.name, version: parsed.version)
        }
        let iv = Array(parsed.bytes.prefix(12))
        do {
            return try session.decrypt(
                .aesGCM(iv: iv, aad: item.associatedData), key: key, data: Array(parsed.bytes.dropFirst(12)))
        } catch let error where KeyService.isUndecryptable(error) {
            throw TransitError.decryptionFailed
        }
    }
}
