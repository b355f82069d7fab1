import Foundation
import SSMCore

/// A key as `GET /v1/<mount>/keys/:name` shows it (Vault's fields; never key material).
/// `keys` maps each available version to its creation time in Unix seconds, or for
/// asymmetric keys to `{creation_time, name, public_key}`.
struct TransitKeyResponse: Encodable {
    enum Version: Encodable {
        case created(Int)
        case publicKey(creationTime: String, name: String, publicKey: String)

        enum CodingKeys: String, CodingKey {
            case creationTime = "creation_time"
            case name
            case publicKey = "public_key"
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .created(let seconds):
                var container = encoder.singleValueContainer()
                try container.encode(seconds)
            case .publicKey(let creationTime, let name, let publicKey):
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(creationTime, forKey: .creationTime)
                try container.encode(name, forKey: .name)
                try container.encode(publicKey, forKey: .publicKey)
            }
        }
    }

    var name: String
    var type: String
    var keys: [String: Version]
    var latestVersion: Int
    var minDecryptionVersion: Int
    var minEncryptionVersion: Int
    var minAvailableVersion: Int
    var deletionAllowed: Bool
    var autoRotatePeriod: Int
    var supportsEncryption: Bool
    var supportsDecryption: Bool
    var supportsSigning: Bool
    var supportsDerivation = false
    var derived = false
    var convergentEncryption = false
    var exportable = false
    var allowPlaintextBackup = false
    var importedKey = false

    enum CodingKeys: String, CodingKey {
        case name, type, keys, derived, exportable
        case latestVersion = "latest_version"
        case minDecryptionVersion = "min_decryption_version"
        case minEncryptionVersion = "min_encryption_version"
        case minAvailableVersion = "min_available_version"
        case deletionAllowed = "deletion_allowed"
        case autoRotatePeriod = "auto_rotate_period"
        case supportsEncryption = "supports_encryption"
        case supportsDecryption = "supports_decryption"
        case supportsSigning = "supports_signing"
        case supportsDerivation = "supports_derivation"
        case convergentEncryption = "convergent_encryption"
        case allowPlaintextBackup = "allow_plaintext_backup"
        case importedKey = "imported_key"
    }

    init(_ key: TransitKeyDescription) {
        name = key.name
        type = VaultFields.typeName(key.type)
        latestVersion = key.latestVersion
        minDecryptionVersion = key.minDecryptionVersion
        minEncryptionVersion = key.minEncryptionVersion
        // Vault reports 0 until a trim.
        minAvailableVersion = key.minAvailableVersion > 1 ? key.minAvailableVersion : 0
        deletionAllowed = key.deletionAllowed
        autoRotatePeriod = key.autoRotatePeriod
        supportsEncryption = key.type.supportsEncryption
        supportsDecryption = key.type.supportsEncryption
        supportsSigning = key.type.supportsSigning
        let curve: String =
            switch key.type {
            case .ecdsaP256: "P-256"
            case .ecdsaP384: "P-384"
            default: VaultFields.typeName(key.type)
            }
        var keys: [String: Version] = [:]
        for version in key.versions {
            let seconds = Int(version.createdDate?.timeIntervalSince1970 ?? 0)
            if let pem = version.publicKeyPEM {
                keys[String(version.version)] = .publicKey(creationTime: version.created, name: curve, publicKey: pem + "\n")
            } else {
                keys[String(version.version)] = .created(seconds)
            }
        }
        self.keys = keys
    }
}
