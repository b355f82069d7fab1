/// Request and response bodies of the crypto routes, field for field as SSM
/// (binary fields are lower-case hex).

/// `POST /encrypt`, `/encrypt-pool`.
struct EncryptRequest: Decodable {
    var keyLabel: String
    var plain: String
    var encryptionAlgorithm: Int

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", plain, encryptionAlgorithm = "encryption_algorithm"
    }
}

/// Answer of `/encrypt`, `/encrypt-pool`.
struct EncryptResponse: Encodable {
    var cipher: String
    var iv: String
    var id: Int32
    var ok: Bool
    var timeCreated: String
    var timeUpdated: String

    enum CodingKeys: String, CodingKey {
        case cipher, iv, id, ok, timeCreated = "time_created", timeUpdated = "time_updated"
    }
}

/// `POST /decrypt`.
struct DecryptRequest: Decodable {
    var keyLabel: String
    var cipher: String
    var iv: String
    var id: Int
    var encryptionAlgorithm: Int

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", cipher, iv, id, encryptionAlgorithm = "encryption_algorithm"
    }
}

/// Answer of `/decrypt`.
struct DecryptResponse: Encodable {
    var plain: String
}

/// `POST /encrypt-aes-gcm`.
struct EncryptGCMRequest: Decodable {
    var keyLabel: String
    var plain: String
    var aad: String?

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", plain, aad
    }
}

/// Answer of `/encrypt-aes-gcm`.
struct EncryptGCMResponse: Encodable {
    var cipher: String
    var iv: String
    var tag: String
    var id: Int32
    var ok: Bool
    var timeCreated: String
    var timeUpdated: String

    enum CodingKeys: String, CodingKey {
        case cipher, iv, tag, id, ok, timeCreated = "time_created", timeUpdated = "time_updated"
    }
}

/// `POST /decrypt-aes-gcm`.
struct DecryptGCMRequest: Decodable {
    var keyLabel: String
    var cipher: String
    var iv: String
    var tag: String
    var aad: String?
    var id: Int

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", cipher, iv, tag, aad, id
    }
}

/// Answer of `/decrypt-aes-gcm`.
struct DecryptGCMResponse: Encodable {
    var plain: String
    var id: Int32
    var ok: Bool
    var timeCreated: String
    var timeUpdated: String

    enum CodingKeys: String, CodingKey {
        case plain, id, ok, timeCreated = "time_created", timeUpdated = "time_updated"
    }
}
