import PKCS11

extension InternalKeys {
    /// Finds the HMAC key `name` (a 32-byte generic secret, sensitive, non-extractable,
    /// sign/verify only), creating it when missing. Runs under the key's identity claim:
    /// replicas starting at once create one key.
    ///
    /// - Returns: true when the key was generated now.
    @discardableResult
    public func ensureHMACKey(name: String) async throws -> Bool {
        try Self.validate(name: name)
        let label = Self.label(name)
        return try await store.exclusive(.generate, identity: .internalKey(name: name)) { session -> Bool in
            guard try session.findObjects(.secretKey, label: label).isEmpty else { return false }
            _ = try session.generateGenericSecret(lengthBytes: 32, label: label, id: KeyID(rawValue: 1))
            return true
        }
    }

    /// HMAC-SHA256 of `data` computed in the HSM with internal key `name` (32 bytes).
    ///
    /// - Throws: ``InternalKeyError/missing(name:)`` when the token has no such key.
    public func hmac(name: String, data: [UInt8]) async throws -> [UInt8] {
        try Self.validate(name: name)
        let label = Self.label(name)
        return try await store.run(.sign) { session in
            try session.sign(.hmac(.sha256), key: Self.requireKey(session, .secretKey, label: label, name: name), data: data)
        }
    }
}
