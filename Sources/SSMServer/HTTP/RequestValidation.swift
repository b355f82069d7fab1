import HTTPTypes
import SSMCore

/// Checks of request fields shared by the routes; each failure is a 400 naming the field.
enum RequestValidation {
    /// An SSM key label as the core accepts it (``KeyLabel/validateSSM(_:field:)``: not
    /// empty, at most 256 bytes, no control characters, no prefix reserved for Transit or
    /// internal keys), checked before the label is authorized or logged.
    static func label(_ label: String, field: String = "key_label") throws -> String {
        do {
            try KeyLabel.validateSSM(label, field: field)
        } catch {
            throw Problem.invalidRequest(error.description)
        }
        return label
    }

    /// Hex field → bytes.
    static func hex(_ value: String, field: String) throws -> [UInt8] {
        guard let bytes = Hex.decode(value) else { throw Problem.invalidHex(field: field) }
        return bytes
    }

    /// An explicit key id: 1 ... 2^31-1.
    static func keyID(_ id: Int?, field: String = "id") throws -> KeyID {
        guard let id, id > 0, id <= Int(Int32.max) else {
            throw Problem.invalidRequest("'\(field)' must be a key id between 1 and \(Int32.max)")
        }
        return KeyID(rawValue: Int32(id))
    }

    /// An optional key id where 0 or absent means "next free id".
    static func optionalKeyID(_ id: Int?, field: String = "id") throws -> KeyID? {
        guard let id, id != 0 else { return nil }
        return try keyID(id, field: field)
    }

    /// SSM's `encryption_algorithm` number.
    static func algorithm(_ number: Int) throws -> EncryptionAlgorithm {
        guard let algorithm = EncryptionAlgorithm(rawValue: number) else {
            throw Problem(
                .badRequest, "UNSUPPORTED_ALGORITHM",
                "'encryption_algorithm' must be 1-4 (AES256, AES128, DES, DES3), 5-8 (the same for service keys) or 9 (AES256-GCM), got \(number)")
        }
        return algorithm
    }

    /// `key_type` of `/store-key` with the value's length → the key type.
    static func keyType(_ name: String, valueLength: Int) throws -> SecretKeyType {
        switch name.uppercased() {
        case "AES":
            guard [16, 24, 32].contains(valueLength) else {
                throw Problem(.badRequest, "INVALID_KEY_SIZE", "an AES key value must be 16, 24 or 32 bytes, got \(valueLength)")
            }
            return .aes(bits: valueLength * 8)
        case "DES": return .des
        case "DES3", "3DES", "TDES": return .des3
        default:
            throw Problem(.badRequest, "UNSUPPORTED_KEY_TYPE", "'key_type' must be AES, DES or DES3, got '\(name)'")
        }
    }
}
