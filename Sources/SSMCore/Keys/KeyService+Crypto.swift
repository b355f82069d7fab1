import PKCS11

extension KeyService {
    /// The result of an encryption: ciphertext, IV, GCM tag (GCM only) and the key's id.
    public struct Sealed: Sendable, Hashable {
        /// The ciphertext (for GCM without the tag).
        public var ciphertext: [UInt8]
        /// The IV that was generated for this encryption.
        public var iv: [UInt8]
        /// The 16-byte authentication tag (GCM only).
        public var tag: [UInt8]?
        /// The id of the key that encrypted, to be given back to decrypt.
        public var keyID: KeyID
    }

    /// How a request gets its session.
    public enum SessionSource: Sendable {
        /// Borrow a session from the pool and use the key-handle cache.
        case pool
        /// Open a session for this request and close it afterwards, finding the key anew
        /// (SSM's behaviour before it had a pool).
        case perRequest
    }

    /// Encrypts `plaintext` under the newest key of `label` that may encrypt.
    ///
    /// The IV is fresh from the system CSPRNG (16 bytes for AES-CBC, 8 for DES/DES3, 12
    /// for GCM). CBC uses PKCS#7 padding; there is no unpadded or ECB mode.
    public func encrypt(
        label: String, algorithm: EncryptionAlgorithm, plaintext: [UInt8], aad: [UInt8] = [],
        source: SessionSource = .pool
    ) async throws -> Sealed {
        try KeyLabel.validateSSM(label)
        let family = algorithm.family
        let iv = Self.randomIV(count: family.ivLength)
        let cache = source == .pool ? self.cache : nil
        let operation: @Sendable (borrowing Session) throws -> Sealed = { session in
            try Self.withKey(
                session, label: label, id: nil, cache: cache,
                where: { $0.id != nil && $0.type == family.keyType && $0.usage.contains(.encrypt) }
            ) { session, key in
                let output = try session.encrypt(family.mechanism(iv: iv, aad: aad), key: key.handle, data: plaintext)
                guard let id = key.id else { throw KeyServiceError.keyNotFound(label: label, id: nil) }
                if family == .aesGCM {
                    return Sealed(ciphertext: Array(output.dropLast(16)), iv: iv, tag: Array(output.suffix(16)), keyID: id)
                }
                return Sealed(ciphertext: output, iv: iv, tag: nil, keyID: id)
            }
        }
        do {
            return try await run(.encrypt, source: source, operation)
        } catch KeyServiceError.keyNotFound(let label, nil) {
            // Distinguish "no key" from "no key for this algorithm".
            throw try await keyNotFoundOrMismatch(label: label, family: family)
        }
    }

    /// Decrypts with key `id` of `label`. `tag` is required for GCM and ignored otherwise.
    ///
    /// - Throws: ``KeyServiceError/decryptionFailed`` when the data does not decrypt (bad
    ///   padding, GCM tag mismatch, wrong key), ``KeyServiceError/invalidIV(expected:actual:)``,
    ///   ``KeyServiceError/keyNotFound(label:id:)``.
    public func decrypt(
        label: String, id: KeyID, algorithm: EncryptionAlgorithm, ciphertext: [UInt8], iv: [UInt8],
        tag: [UInt8]? = nil, aad: [UInt8] = []
    ) async throws -> [UInt8] {
        try KeyLabel.validateSSM(label)
        let family = algorithm.family
        guard iv.count == family.ivLength else {
            throw KeyServiceError.invalidIV(expected: family.ivLength, actual: iv.count)
        }
        var input = ciphertext
        if family == .aesGCM {
            guard let tag, tag.count == 16 else { throw KeyServiceError.invalidTag(actual: tag?.count ?? 0) }
            input += tag
        }
        let data = input
        let cache = self.cache
        return try await run(.decrypt) { session in
            try Self.withKey(session, label: label, id: id, cache: cache) { session, key in
                guard key.type == family.keyType else {
                    throw KeyServiceError.keyTypeMismatch(label: label, id: id, expected: family.keyType, actual: key.type)
                }
                do {
                    return try session.decrypt(family.mechanism(iv: iv, aad: aad), key: key.handle, data: data)
                } catch let error where Self.isUndecryptable(error) {
                    throw KeyServiceError.decryptionFailed
                }
            }
        }
    }

    /// `count` bytes from the system CSPRNG (``RandomBytes``).
    static func randomIV(count: Int) -> [UInt8] {
        RandomBytes.next(count)
    }

    /// Whether a decryption failure means "this data does not decrypt under this key" (bad
    /// padding, GCM tag mismatch, wrong length): a bad-input error from the data step
    /// (`C_Decrypt`), not from `C_DecryptInit`. SoftHSM 2.6 reports a bad tag or padding as
    /// `CKR_GENERAL_ERROR`, which ``PKCS11Error/errorClass`` already classes as bad input there.
    static func isUndecryptable(_ error: any Error) -> Bool {
        guard let error = error as? PKCS11Error else { return false }
        return error.function == "C_Decrypt" && error.errorClass == .badInput
    }

    private func keyNotFoundOrMismatch(label: String, family: EncryptionAlgorithm.Family) async throws -> KeyServiceError {
        let keys = try await run(.list) { session in try Self.loadKeys(session, label: label) }
        guard let newest = keys.sortedByID().last, let id = newest.id else {
            return .keyNotFound(label: label, id: nil)
        }
        if newest.type != family.keyType {
            return .keyTypeMismatch(label: label, id: id, expected: family.keyType, actual: newest.type)
        }
        return .invalidArgument("no key of label '\(label)' may encrypt")
    }
}
