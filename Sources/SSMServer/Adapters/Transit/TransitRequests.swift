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

/// The fast path of the hot routes (one item's strings, as hvac and the Vault clients send
/// them): the same value as `init(from:)`; anything else — `batch_input`, booleans, an
/// integer field given as a string — is left to `JSONDecoder`.
extension TransitRequest: FlatJSONDecodable {
    static let flatFields = [
        "plaintext", "ciphertext", "associated_data", "context", "nonce", "key_version", "input", "signature", "hmac",
        "reference", "type", "partial_failure_response_code", "hash_algorithm", "algorithm", "signature_algorithm",
        "marshaling_algorithm", "salt_length", "bits",
        // Read by `init(from:)` with Vault's rules for booleans: never on the fast path.
        "derived", "convergent_encryption", "prehashed",
    ]

    init?(flatValues values: [FlatJSONValue?]) {
        // A string field given as a number, an integer field given as a string, or a boolean: JSONDecoder's rules.
        func string(_ index: Int) -> String?? {
            guard let value = values[index] else { return .some(nil) }
            return value.string.map { .some($0) }
        }
        func integer(_ index: Int) -> Int?? {
            guard let value = values[index] else { return .some(nil) }
            return value.integer.map { .some($0) }
        }
        guard values[18] == nil, values[19] == nil, values[20] == nil,
            let plaintext = string(0), let ciphertext = string(1), let associatedData = string(2), let context = string(3),
            let nonce = string(4), let keyVersion = integer(5), let input = string(6), let signature = string(7),
            let hmac = string(8), let reference = string(9), let type = string(10), let partialFailure = integer(11),
            let hashAlgorithm = string(12), let algorithm = string(13), let signatureAlgorithm = string(14),
            let marshalingAlgorithm = string(15), let bits = integer(17)
        else { return nil }
        item.plaintext = plaintext
        item.ciphertext = ciphertext
        item.associatedData = associatedData
        item.context = context
        item.nonce = nonce
        item.keyVersion = keyVersion
        item.input = input
        item.signature = signature
        item.hmac = hmac
        item.reference = reference
        self.type = type
        partialFailureResponseCode = partialFailure
        self.hashAlgorithm = hashAlgorithm
        self.algorithm = algorithm
        self.signatureAlgorithm = signatureAlgorithm
        self.marshalingAlgorithm = marshalingAlgorithm
        // Vault's salt_length is a string or a number.
        switch values[16] {
        case .string(let text): saltLength = text
        case .integer(let number): saltLength = String(number)
        case nil: saltLength = nil
        }
        self.bits = bits
    }
}
