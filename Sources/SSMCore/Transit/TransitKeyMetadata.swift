import Foundation

/// A named key's metadata, stored as JSON in a private token data object (application
/// ``TransitService/metadataApplication``, label `ssm-v1/<name>`), so it survives restarts
/// and follows the token. SoftHSM keeps data object values read-only: a change writes a new
/// object with a higher ``revision`` and then destroys the old one; readers take the highest
/// revision (and a crash in between leaves at worst a stale copy that is ignored).
struct TransitKeyMetadata: Codable, Sendable, Hashable {
    var name: String
    var type: TransitKeyType
    /// The newest version (versions are 1 … latestVersion).
    var latestVersion: Int
    /// Versions below this no longer decrypt or verify.
    var minDecryptionVersion: Int
    /// Whether `DELETE /v1/keys/{name}` is allowed.
    var deletionAllowed: Bool
    /// Creation times (RFC 3339), index version - 1.
    var versionCreated: [String]
    /// Incremented by every change.
    var revision: Int

    init(name: String, type: TransitKeyType, created: String) {
        self.name = name
        self.type = type
        latestVersion = 1
        minDecryptionVersion = 1
        deletionAllowed = false
        versionCreated = [created]
        revision = 1
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    static func decode(_ bytes: [UInt8]) -> TransitKeyMetadata? {
        try? JSONDecoder().decode(TransitKeyMetadata.self, from: Data(bytes))
    }
}

/// What `GET /v1/keys/{name}` tells about a key (never key material).
public struct TransitKeyDescription: Sendable, Hashable {
    /// One version of the key.
    public struct Version: Sendable, Hashable {
        /// The version number (1 …).
        public var version: Int
        /// When it was created (RFC 3339).
        public var created: String
        /// The public key (SubjectPublicKeyInfo PEM) for asymmetric types.
        public var publicKeyPEM: String?
    }

    /// The key's name.
    public var name: String
    /// The key's type.
    public var type: TransitKeyType
    /// The newest version.
    public var latestVersion: Int
    /// Versions below this no longer decrypt or verify.
    public var minDecryptionVersion: Int
    /// Whether the key may be deleted.
    public var deletionAllowed: Bool
    /// Every version, oldest first.
    public var versions: [Version]

    /// When version 1 was created.
    public var created: String { versions.first?.created ?? "" }
}

/// When a version was created: RFC 3339 UTC with seconds.
enum TransitClock {
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
