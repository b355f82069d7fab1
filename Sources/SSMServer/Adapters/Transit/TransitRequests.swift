/// The body of the Transit operations (encrypt, decrypt, rewrap, datakey, sign, verify,
/// hmac): one item's fields at the top level, or `batch_input` with one object per item (the
/// top-level item fields are then ignored, as Vault does), and the operation's options.
struct TransitRequest: Decodable {
    /// The top-level item.
    var item = TransitItem()
    var batchInput: [TransitItem]?
    /// Upsert on encrypt: the type of the key to create when it does not exist.
    var type: String?
    var derived: Bool?
    var convergentEncryption: Bool?
    /// The status of a batch in which some items failed and some succeeded (400 by default).
    var partialFailureResponseCode: Int?
    /// `sha2-256` (default), `sha2-384`, `sha2-512`.
    var hashAlgorithm: String?
    /// HMAC's name for the hash.
    var algorithm: String?
    var prehashed: Bool?
    /// `pss` (default) or `pkcs1v15`.
    var signatureAlgorithm: String?
    /// `asn1` (default) or `jws`.
    var marshalingAlgorithm: String?
    /// `auto` (default), `hash` or a number of bytes.
    var saltLength: String?
    /// Data keys: 128, 256 (default) or 512.
    var bits: Int?

    enum CodingKeys: String, CodingKey {
        case type, derived, algorithm, prehashed, bits
        case batchInput = "batch_input"
        case convergentEncryption = "convergent_encryption"
        case partialFailureResponseCode = "partial_failure_response_code"
        case hashAlgorithm = "hash_algorithm"
        case signatureAlgorithm = "signature_algorithm"
        case marshalingAlgorithm = "marshaling_algorithm"
        case saltLength = "salt_length"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        item = try TransitItem(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        batchInput = try container.decodeIfPresent([TransitItem].self, forKey: .batchInput)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        derived = try container.vaultBool(.derived)
        convergentEncryption = try container.vaultBool(.convergentEncryption)
        partialFailureResponseCode = try container.vaultInt(.partialFailureResponseCode)
        hashAlgorithm = try container.decodeIfPresent(String.self, forKey: .hashAlgorithm)
        algorithm = try container.decodeIfPresent(String.self, forKey: .algorithm)
        prehashed = try container.vaultBool(.prehashed)
        signatureAlgorithm = try container.decodeIfPresent(String.self, forKey: .signatureAlgorithm)
        marshalingAlgorithm = try container.decodeIfPresent(String.self, forKey: .marshalingAlgorithm)
        saltLength = try container.vaultString(.saltLength)
        bits = try container.vaultInt(.bits)
    }

    /// The items: `batch_input`'s, or the top-level one.
    var items: [TransitItem] { batchInput ?? [item] }

    /// An empty body (routes whose fields are all optional).
    static let empty = TransitRequest()
}

/// One item of a Transit request.
struct TransitItem: Decodable, Sendable {
    var plaintext: String?
    var ciphertext: String?
    var associatedData: String?
    /// Key derivation context: accepted and ignored, as Vault does for keys without
    /// derivation (ssm's keys never derive).
    var context: String?
    /// Convergent encryption's nonce: refused.
    var nonce: String?
    var keyVersion: Int?
    var input: String?
    var signature: String?
    var hmac: String?
    /// Echoed in the item's batch result.
    var reference: String?

    enum CodingKeys: String, CodingKey {
        case plaintext, ciphertext, context, nonce, input, signature, hmac, reference
        case associatedData = "associated_data"
        case keyVersion = "key_version"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plaintext = try container.decodeIfPresent(String.self, forKey: .plaintext)
        ciphertext = try container.decodeIfPresent(String.self, forKey: .ciphertext)
        associatedData = try container.decodeIfPresent(String.self, forKey: .associatedData)
        context = try container.decodeIfPresent(String.self, forKey: .context)
        nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
        keyVersion = try container.vaultInt(.keyVersion)
        input = try container.decodeIfPresent(String.self, forKey: .input)
        signature = try container.decodeIfPresent(String.self, forKey: .signature)
        hmac = try container.decodeIfPresent(String.self, forKey: .hmac)
        reference = try container.decodeIfPresent(String.self, forKey: .reference)
    }
}

/// `POST /v1/<mount>/keys/:name` and `POST /v1/<mount>/keys/:name/config`: the creation
/// parameters and the configuration (Vault takes the options of both on either).
struct TransitKeyRequest: Decodable {
    var type: String?
    var derived: Bool?
    var convergentEncryption: Bool?
    var exportable: Bool?
    var allowPlaintextBackup: Bool?
    var keySize: Int?
    var autoRotatePeriod: String?
    var minDecryptionVersion: Int?
    var minEncryptionVersion: Int?
    var deletionAllowed: Bool?
    /// `trim`.
    var minAvailableVersion: Int?

    enum CodingKeys: String, CodingKey {
        case type, derived, exportable
        case convergentEncryption = "convergent_encryption"
        case allowPlaintextBackup = "allow_plaintext_backup"
        case keySize = "key_size"
        case autoRotatePeriod = "auto_rotate_period"
        case minDecryptionVersion = "min_decryption_version"
        case minEncryptionVersion = "min_encryption_version"
        case deletionAllowed = "deletion_allowed"
        case minAvailableVersion = "min_available_version"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        derived = try container.vaultBool(.derived)
        convergentEncryption = try container.vaultBool(.convergentEncryption)
        exportable = try container.vaultBool(.exportable)
        allowPlaintextBackup = try container.vaultBool(.allowPlaintextBackup)
        keySize = try container.vaultInt(.keySize)
        autoRotatePeriod = try container.vaultString(.autoRotatePeriod)
        minDecryptionVersion = try container.vaultInt(.minDecryptionVersion)
        minEncryptionVersion = try container.vaultInt(.minEncryptionVersion)
        deletionAllowed = try container.vaultBool(.deletionAllowed)
        minAvailableVersion = try container.vaultInt(.minAvailableVersion)
    }

    static let empty = TransitKeyRequest()
}

/// `POST /v1/<mount>/random` and `POST /v1/<mount>/hash`.
struct TransitUtilityRequest: Decodable {
    var bytes: Int?
    var format: String?
    var input: String?
    var algorithm: String?

    enum CodingKeys: String, CodingKey {
        case bytes, format, input, algorithm
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        bytes = try container.vaultInt(.bytes)
        format = try container.decodeIfPresent(String.self, forKey: .format)
        input = try container.decodeIfPresent(String.self, forKey: .input)
        algorithm = try container.decodeIfPresent(String.self, forKey: .algorithm)
    }

    static let empty = TransitUtilityRequest()
}
