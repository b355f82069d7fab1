/// Request and response bodies of the crypto routes, field for field as SSM
/// (binary fields are lower-case hex).
///
/// Requests are also ``FlatJSONDecodable`` and responses ``JSONWritable``: the fast paths of the
/// hot routes. Both give exactly what `Decodable`/`Encodable` give (tests compare them).

/// `POST /encrypt`, `/encrypt-pool`.
struct EncryptRequest: Decodable, FlatJSONDecodable {
    var keyLabel: String
    var plain: String
    var encryptionAlgorithm: Int

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", plain, encryptionAlgorithm = "encryption_algorithm"
    }

    static let flatFields: [String] = ["key_label", "plain", "encryption_algorithm"]

    init?(flatValues values: [FlatJSONValue?]) {
        guard let keyLabel = values[0]?.string, let plain = values[1]?.string, let algorithm = values[2]?.integer else {
            return nil
        }
        self.keyLabel = keyLabel
        self.plain = plain
        self.encryptionAlgorithm = algorithm
    }
}

/// Answer of `/encrypt`, `/encrypt-pool`.
struct EncryptResponse: JSONWritable {
    var cipher: HexBytes
    var iv: HexBytes
    var id: Int32
    var ok: Bool
    var timeCreated: String
    var timeUpdated: String

    enum CodingKeys: String, CodingKey {
        case cipher, iv, id, ok, timeCreated = "time_created", timeUpdated = "time_updated"
    }

    func write(to writer: inout JSONWriter) {
        writer.field("cipher", cipher)
        writer.field("id", id)
        writer.field("iv", iv)
        writer.field("ok", ok)
        writer.field("time_created", timeCreated)
        writer.field("time_updated", timeUpdated)
    }
}

/// `POST /decrypt`.
struct DecryptRequest: Decodable, FlatJSONDecodable {
    var keyLabel: String
    var cipher: String
    var iv: String
    var id: Int
    var encryptionAlgorithm: Int

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", cipher, iv, id, encryptionAlgorithm = "encryption_algorithm"
    }

    static let flatFields: [String] = ["key_label", "cipher", "iv", "id", "encryption_algorithm"]

    init?(flatValues values: [FlatJSONValue?]) {
        guard let keyLabel = values[0]?.string, let cipher = values[1]?.string, let iv = values[2]?.string,
            let id = values[3]?.integer, let algorithm = values[4]?.integer
        else { return nil }
        self.keyLabel = keyLabel
        self.cipher = cipher
        self.iv = iv
        self.id = id
        self.encryptionAlgorithm = algorithm
    }
}

/// Answer of `/decrypt`.
struct DecryptResponse: JSONWritable {
    var plain: HexBytes

    func write(to writer: inout JSONWriter) {
        writer.field("plain", plain)
    }
}

/// `POST /encrypt-aes-gcm`.
struct EncryptGCMRequest: Decodable, FlatJSONDecodable {
    var keyLabel: String
    var plain: String
    var aad: String?

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", plain, aad
    }

    static let flatFields: [String] = ["key_label", "plain", "aad"]

    init?(flatValues values: [FlatJSONValue?]) {
        guard let keyLabel = values[0]?.string, let plain = values[1]?.string else { return nil }
        if let aad = values[2], aad.string == nil { return nil }
        self.keyLabel = keyLabel
        self.plain = plain
        self.aad = values[2]?.string
    }
}

/// Answer of `/encrypt-aes-gcm`.
struct EncryptGCMResponse: JSONWritable {
    var cipher: HexBytes
    var iv: HexBytes
    var tag: HexBytes
    var id: Int32
    var ok: Bool
    var timeCreated: String
    var timeUpdated: String

    enum CodingKeys: String, CodingKey {
        case cipher, iv, tag, id, ok, timeCreated = "time_created", timeUpdated = "time_updated"
    }

    func write(to writer: inout JSONWriter) {
        writer.field("cipher", cipher)
        writer.field("id", id)
        writer.field("iv", iv)
        writer.field("ok", ok)
        writer.field("tag", tag)
        writer.field("time_created", timeCreated)
        writer.field("time_updated", timeUpdated)
    }
}

/// `POST /decrypt-aes-gcm`.
struct DecryptGCMRequest: Decodable, FlatJSONDecodable {
    var keyLabel: String
    var cipher: String
    var iv: String
    var tag: String
    var aad: String?
    var id: Int

    enum CodingKeys: String, CodingKey {
        case keyLabel = "key_label", cipher, iv, tag, aad, id
    }

    static let flatFields: [String] = ["key_label", "cipher", "iv", "tag", "aad", "id"]

    init?(flatValues values: [FlatJSONValue?]) {
        guard let keyLabel = values[0]?.string, let cipher = values[1]?.string, let iv = values[2]?.string,
            let tag = values[3]?.string, let id = values[5]?.integer
        else { return nil }
        if let aad = values[4], aad.string == nil { return nil }
        self.keyLabel = keyLabel
        self.cipher = cipher
        self.iv = iv
        self.tag = tag
        self.aad = values[4]?.string
        self.id = id
    }
}

/// Answer of `/decrypt-aes-gcm`.
struct DecryptGCMResponse: JSONWritable {
    var plain: HexBytes
    var id: Int32
    var ok: Bool
    var timeCreated: String
    var timeUpdated: String

    enum CodingKeys: String, CodingKey {
        case plain, id, ok, timeCreated = "time_created", timeUpdated = "time_updated"
    }

    func write(to writer: inout JSONWriter) {
        writer.field("id", id)
        writer.field("ok", ok)
        writer.field("plain", plain)
        writer.field("time_created", timeCreated)
        writer.field("time_updated", timeUpdated)
    }
}

/// Binary data on the wire: lower-case hex in a JSON string.
struct HexBytes: Encodable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Hex.encode(bytes))
    }
}

extension JSONWriter {
    /// `"key":"<hex>"`.
    mutating func field(_ key: StaticString, _ value: HexBytes) {
        hexField(key, value.bytes)
    }
}
