import SSMCore

/// Request and response bodies of the key-management routes, as SSM.

/// `POST /generate-aes-key`, `/generate-des-key`, `/generate-des3-key`.
/// Every field is optional: `id` 0 or absent means "highest id + 1".
struct GenerateKeyRequest: Decodable {
    var id: Int?
    var bits: Int?
    var keyLabel: String?

    enum CodingKeys: String, CodingKey {
        case id, bits, keyLabel = "key_label"
    }
}

/// Answer of the generate routes (201).
struct GeneratedKeyResponse: Encodable {
    var handle: UInt
    var id: Int32
    var bits: Int
    var keyLabel: String
    var keyType: String

    enum CodingKeys: String, CodingKey {
        case handle, id, bits, keyLabel = "key_label", keyType = "key_type"
    }
}

/// `POST`/`PUT /store-key`.
struct StoreKeyRequest: Decodable {
    var keyLabel: String
    var id: Int?
    var keyValue: String
    var keyType: String

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", id, keyValue = "key_value", keyType = "key_type"
    }
}

/// Answer of `/store-key` (201 for POST, 200 for PUT).
struct StoredKeyResponse: Encodable {
    var message: String
    var handle: UInt
    var id: Int32
    var keyLabel: String
    var keyType: String
    var sizeBits: Int

    enum CodingKeys: String, CodingKey {
        case message, handle, id, keyLabel = "key_label", keyType = "key_type", sizeBits = "size_bits"
    }
}

/// `DELETE /store-key`, `POST /get-key`: a label and an explicit id.
struct LabelAndIDRequest: Decodable {
    var keyLabel: String
    var id: Int?

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", id
    }
}

/// Answer of `DELETE /store-key`.
struct DeletedKeyResponse: Encodable {
    var message: String
    var keyLabel: String
    var id: Int32

    enum CodingKeys: String, CodingKey {
        case message, keyLabel = "key_label", id
    }
}

/// `POST /get-data-keys`.
struct LabelRequest: Decodable {
    var keyLabel: String

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label"
    }
}

/// One key as listed: SSM's `{handle, id, size_bits}` plus its type and usage. Never its value.
struct KeyInfoModel: Encodable {
    var handle: UInt
    var id: Int32?
    var sizeBits: Int?
    var keyType: String
    var usage: [String]

    enum CodingKeys: String, CodingKey {
        case handle, id, sizeBits = "size_bits", keyType = "key_type", usage
    }

    init(_ key: KeyInfo) {
        handle = key.handle.rawValue
        id = key.id?.rawValue
        sizeBits = key.bits
        keyType = key.type.wireName
        let names: [(KeyUsage, String)] = [
            (.encrypt, "encrypt"), (.decrypt, "decrypt"), (.wrap, "wrap"), (.unwrap, "unwrap"), (.sign, "sign"), (.verify, "verify"),
        ]
        usage = names.filter { key.usage.contains($0.0) }.map(\.1)
    }
}

/// Answer of `/get-data-keys`.
struct DataKeysResponse: Encodable {
    var keyLabel: String
    var keys: [KeyInfoModel]

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", keys
    }
}

/// Answer of `/get-key`.
struct GetKeyResponse: Encodable {
    var keyLabel: String
    var keyInfo: KeyInfoModel

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", keyInfo = "key_info"
    }
}

/// Answer of `/get-all-keys`.
struct AllKeysResponse: Encodable {
    var keysByLabel: [String: [KeyInfoModel]]
    var totalKeys: Int
    var totalLabels: Int

    enum CodingKeys: String, CodingKey {
        case keysByLabel = "keys_by_label", totalKeys = "total_keys", totalLabels = "total_labels"
    }
}
