/// The body of the `/v1` operation routes: one item's fields at the top level, or
/// `batch_input` with one object per item. Vault Transit's field names.
struct TransitRequest: Decodable {
    var plaintext: String?
    var ciphertext: String?
    var associatedData: String?
    var keyVersion: Int?
    var input: String?
    var signature: String?
    var hmac: String?
    var batchInput: [TransitItem]?
    /// `sha2-256` (default), `sha2-384`, `sha2-512`.
    var hashAlgorithm: String?
    /// HMAC's name for the hash (Vault's); same values as `hash_algorithm`.
    var algorithm: String?
    var prehashed: Bool?
    /// `pss` (default) or `pkcs1v15`.
    var signatureAlgorithm: String?
    /// `asn1` (default) or `jws`.
    var marshalingAlgorithm: String?
    /// Data keys: 128, 256 (default) or 512.
    var bits: Int?

    enum CodingKeys: String, CodingKey {
        case plaintext, ciphertext, input, signature, hmac, algorithm, prehashed, bits
        case associatedData = "associated_data"
        case keyVersion = "key_version"
        case batchInput = "batch_input"
        case hashAlgorithm = "hash_algorithm"
        case signatureAlgorithm = "signature_algorithm"
        case marshalingAlgorithm = "marshaling_algorithm"
    }

    /// The fields of the top level as one item.
    var item: TransitItem {
        TransitItem(
            plaintext: plaintext, ciphertext: ciphertext, associatedData: associatedData, keyVersion: keyVersion,
            input: input, signature: signature, hmac: hmac)
    }

    /// An empty body (routes whose fields are all optional).
    static let empty = TransitRequest()
}

/// One item of a `/v1` request.
struct TransitItem: Decodable, Sendable {
    var plaintext: String?
    var ciphertext: String?
    var associatedData: String?
    var keyVersion: Int?
    var input: String?
    var signature: String?
    var hmac: String?

    enum CodingKeys: String, CodingKey {
        case plaintext, ciphertext, input, signature, hmac
        case associatedData = "associated_data"
        case keyVersion = "key_version"
    }

    /// Whether no field is set.
    var isEmpty: Bool {
        plaintext == nil && ciphertext == nil && associatedData == nil && keyVersion == nil && input == nil
            && signature == nil && hmac == nil
    }
}

/// `POST /v1/keys/{name}`.
struct TransitCreateKeyRequest: Decodable {
    /// The key type (`aes256-gcm` by default).
    var type: String?

    static let empty = TransitCreateKeyRequest()
}

/// `PUT /v1/keys/{name}/config`.
struct TransitKeyConfigRequest: Decodable {
    var minDecryptionVersion: Int?
    var deletionAllowed: Bool?

    enum CodingKeys: String, CodingKey {
        case minDecryptionVersion = "min_decryption_version"
        case deletionAllowed = "deletion_allowed"
    }
}
