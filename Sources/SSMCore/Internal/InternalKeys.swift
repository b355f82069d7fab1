import PKCS11

/// ssm's own keys (``KeyNamespace/internal``): labelled `ssm-internal/<name>`, created and
/// used only through this type, never reachable by a protocol's routes. Today: the P-256
/// key pair that signs `/login`'s JWTs, and the HMAC key that seals the audit log.
public final class InternalKeys: Sendable {
    let store: KeyStore

    /// Creates the service over `store` (shared with the other key services).
    public init(store: KeyStore) {
        self.store = store
    }

    /// The token label of internal key `name`.
    public static func label(_ name: String) -> String {
        (KeyNamespace.internal.labelPrefix ?? "") + name
    }

    /// What ``ensureSigningKey(name:adopting:)`` found or did.
    public struct SigningKey: Sendable, Hashable {
        /// The public key, an X9.62 uncompressed P-256 point.
        public var publicPoint: [UInt8]
        /// True when the key pair was generated now.
        public var created: Bool
        /// True when a pair made by an earlier ssm was moved into the internal namespace now.
        public var adopted: Bool
    }

    /// Finds the P-256 signing key pair `name`, creating it (private half non-extractable and
    /// sign-only) when missing. A complete pair labelled `legacyLabel` — where ssm before
    /// namespaces kept it — is relabelled into the internal namespace instead, so that its
    /// signatures stay valid. Runs under the key's identity claim: replicas starting at once
    /// create one pair.
    ///
    /// - Throws: ``InternalKeyError`` when the key found is not a P-256 key.
    public func ensureSigningKey(name: String, adopting legacyLabel: String? = nil) async throws -> SigningKey {
        try Self.validate(name: name)
        let label = Self.label(name)
        return try await store.exclusive(.generate, identity: .internalKey(name: name)) { session -> SigningKey in
            var created = false
            var adopted = false
            var publicKeys = try session.findObjects(.publicKey, label: label)
            var privateKeys = try session.findObjects(.privateKey, label: label)
            if publicKeys.isEmpty || privateKeys.isEmpty, let legacyLabel {
                let oldPublic = try session.findObjects(.publicKey, label: legacyLabel)
                let oldPrivate = try session.findObjects(.privateKey, label: legacyLabel)
                if let publicKey = oldPublic.first, let privateKey = oldPrivate.first, publicKeys.isEmpty, privateKeys.isEmpty {
                    try session.setLabel(of: privateKey, to: label)
                    try session.setLabel(of: publicKey, to: label)
                    (publicKeys, privateKeys, adopted) = ([publicKey], [privateKey], true)
                }
            }
            if publicKeys.isEmpty || privateKeys.isEmpty {
                // Half a pair (an interrupted creation) is useless: start again.
                for handle in publicKeys + privateKeys { try session.destroyObject(handle) }
                let pair = try session.generateKeyPair(.ecP256, label: label, id: KeyID(rawValue: 1))
                publicKeys = [pair.publicKey]
                created = true
            }
            guard case .ec(let point, let parameters) = try session.publicKeyValue(publicKeys[0]),
                parameters == KeyPairType.prime256v1OID
            else { throw InternalKeyError.notP256(name: name) }
            return SigningKey(publicPoint: point, created: created, adopted: adopted)
        }
    }

    /// An ECDSA P-256 signature (raw `r || s`, 64 bytes) of `digest` (a SHA-256) by internal
    /// key `name`.
    public func sign(name: String, digest: [UInt8]) async throws -> [UInt8] {
        try Self.validate(name: name)
        let label = Self.label(name)
        return try await store.run(.sign) { session in
            try session.sign(.ecdsa, key: Self.requireKey(session, .privateKey, label: label, name: name), data: digest)
        }
    }

    /// The object of `objectClass` labelled `label`, or ``InternalKeyError/missing(name:)``
    /// (`CKR_USER_NOT_LOGGED_IN` when the token forgot the login and hides it).
    static func requireKey(_ session: borrowing Session, _ objectClass: ObjectClass, label: String, name: String) throws -> ObjectHandle {
        guard let key = try session.findObjects(objectClass, label: label).first else {
            try KeyStore.requireLogin(session)
            throw InternalKeyError.missing(name: name)
        }
        return key
    }

    static func validate(name: String) throws(InternalKeyError) {
        guard !name.isEmpty, name.utf8.count <= 128, !KeyLabel.containsControlCharacters(name) else {
            throw .invalidName
        }
    }
}

/// Why an internal key cannot be used (an operator's problem, never a client's).
public enum InternalKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key is not in the token.
    case missing(name: String)
    /// The key found is not a P-256 key.
    case notP256(name: String)
    /// A name that is empty, longer than 128 bytes or has control characters.
    case invalidName

    public var description: String {
        switch self {
        case .missing(let name): "the internal key '\(name)' is missing from the token"
        case .notP256(let name): "the internal key '\(name)' is not a P-256 key"
        case .invalidName: "an internal key name must be 1 to 128 bytes without control characters"
        }
    }
}
