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
    /// Whether the key may be deleted.
    var deletionAllowed: Bool
    /// Creation times (RFC 3339), index version - 1 (trimmed versions keep theirs).
    var versionCreated: [String]
    /// Incremented by every change.
    var revision: Int
    /// The lowest version that may encrypt, sign or MAC (nil or 0: only the newest is used by
    /// default, any readable one on request). Optional, like the fields below, so that the
    /// metadata of earlier versions of ssm still decodes.
    var minEncryptionVersion: Int?
    /// Versions below this were trimmed: their objects are destroyed (nil: 1).
    var minAvailableVersion: Int?
    /// Seconds after the newest version's creation at which a new version is made (nil or
    /// 0: never).
    var autoRotatePeriod: Int?

    /// ``minEncryptionVersion`` with its default.
    var minEncryption: Int { minEncryptionVersion ?? 0 }
    /// ``minAvailableVersion`` with its default.
    var minAvailable: Int { max(1, minAvailableVersion ?? 1) }
    /// ``autoRotatePeriod`` with its default.
    var rotatePeriod: Int { autoRotatePeriod ?? 0 }

    /// When the newest version was created.
    var latestCreated: Date? { versionCreated.last.flatMap(TransitClock.parse) }

    /// When automatic rotation is next due (nil: it is off, or the creation time is unknown).
    var nextRotation: Date? {
        guard rotatePeriod > 0, let latestCreated else { return nil }
        return latestCreated.addingTimeInterval(TimeInterval(rotatePeriod))
    }

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

/// What reading a key tells about it (never key material).
public struct TransitKeyDescription: Sendable, Hashable {
    /// One version of the key.
    public struct Version: Sendable, Hashable {
        /// The version number (1 …).
        public var version: Int
        /// When it was created (RFC 3339).
        public var created: String
        /// The public key (SubjectPublicKeyInfo PEM) for asymmetric types.
        public var publicKeyPEM: String?

        /// ``created`` as a date (nil if it does not parse).
        public var createdDate: Date? { TransitClock.parse(created) }
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
    /// The lowest version that may encrypt, sign or MAC (0: any readable one; the newest by
    /// default).
    public var minEncryptionVersion: Int
    /// Versions below this were trimmed (1 when none was).
    public var minAvailableVersion: Int
    /// Automatic rotation period in seconds (0: off).
    public var autoRotatePeriod: Int
    /// Every version still available, oldest first.
    public var versions: [Version]

    /// When version 1 was created.
    public var created: String { versions.first?.created ?? "" }
}

/// When a version was created: RFC 3339 UTC with seconds.
enum TransitClock {
    static func now() -> String { format(Date()) }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
