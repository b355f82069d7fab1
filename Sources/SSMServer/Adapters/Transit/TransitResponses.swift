import SSMCore

/// A key's description (`GET /v1/keys/{name}` and the key management routes).
struct TransitKeyResponse: Encodable {
    struct Version: Encodable {
        var version: Int
        var created: String
        var publicKey: String?

        enum CodingKeys: String, CodingKey {
            case version, created
            case publicKey = "public_key"
        }
    }

    var name: String
    var type: String
    var latestVersion: Int
    var minDecryptionVersion: Int
    var deletionAllowed: Bool
    var created: String
    var supportsEncryption: Bool
    var supportsSigning: Bool
    var supportsHMAC: Bool
    var versions: [Version]

    enum CodingKeys: String, CodingKey {
        case name, type, created, versions
        case latestVersion = "latest_version"
        case minDecryptionVersion = "min_decryption_version"
        case deletionAllowed = "deletion_allowed"
        case supportsEncryption = "supports_encryption"
        case supportsSigning = "supports_signing"
        case supportsHMAC = "supports_hmac"
    }

    init(_ key: TransitKeyDescription) {
        name = key.name
        type = key.type.rawValue
        latestVersion = key.latestVersion
        minDecryptionVersion = key.minDecryptionVersion
        deletionAllowed = key.deletionAllowed
        created = key.created
        supportsEncryption = key.type.supportsEncryption
        supportsSigning = key.type.supportsSigning
        supportsHMAC = key.type.supportsHMAC
        versions = key.versions.map { Version(version: $0.version, created: $0.created, publicKey: $0.publicKeyPEM) }
    }
}

/// `GET /v1/keys`.
struct TransitKeyListResponse: Encodable {
    var keys: [String]
}

/// One result of a `/v1` operation: the fields of a success, or `error` and `code`.
struct TransitResult: Encodable {
    var ciphertext: String?
    var plaintext: String?
    var signature: String?
    var hmac: String?
    var valid: Bool?
    var keyVersion: Int?
    var error: String?
    var code: String?

    enum CodingKeys: String, CodingKey {
        case ciphertext, plaintext, signature, hmac, valid, error, code
        case keyVersion = "key_version"
    }
}

/// The answer to a `batch_input`.
struct TransitBatchResponse: Encodable {
    var batchResults: [TransitResult]

    enum CodingKeys: String, CodingKey {
        case batchResults = "batch_results"
    }
}

/// `/v1/datakey/{plaintext|wrapped}/{name}`.
struct TransitDataKeyResponse: Encodable {
    var plaintext: String?
    var ciphertext: String
    var keyVersion: Int

    enum CodingKeys: String, CodingKey {
        case plaintext, ciphertext
        case keyVersion = "key_version"
    }
}

/// `/v1/random/{bytes}`.
struct TransitRandomResponse: Encodable {
    var randomBytes: String

    enum CodingKeys: String, CodingKey {
        case randomBytes = "random_bytes"
    }
}
