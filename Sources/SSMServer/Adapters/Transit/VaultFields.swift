import Foundation
import SSMCore

/// Reading request fields as Vault does: the `vault` CLI sends every value as a string
/// (`vault write transit/keys/k/config min_decryption_version=2` → `"2"`), so integers and
/// booleans are read from JSON numbers and booleans or from strings.
extension KeyedDecodingContainer {
    /// An integer: a JSON number or a decimal string.
    func vaultInt(_ key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(Int.self, forKey: key) { return value }
        if let text = try? decode(String.self, forKey: key), let value = Int(text.trimmingCharacters(in: .whitespaces)) {
            return value
        }
        throw DecodingError.typeMismatch(Int.self, .init(codingPath: codingPath + [key], debugDescription: "an integer"))
    }

    /// A boolean: a JSON boolean or `true`/`false`/`1`/`0`/`t`/`f` (Go's `ParseBool`).
    func vaultBool(_ key: Key) throws -> Bool? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(Bool.self, forKey: key) { return value }
        if let text = try? decode(String.self, forKey: key) {
            switch text.lowercased() {
            case "true", "t", "1": return true
            case "false", "f", "0": return false
            default: break
            }
        }
        throw DecodingError.typeMismatch(Bool.self, .init(codingPath: codingPath + [key], debugDescription: "a boolean"))
    }

    /// A string, or a number written as one (`bits`, `salt_length`, durations).
    func vaultString(_ key: Key) throws -> String? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(String.self, forKey: key) { return value }
        if let value = try? decode(Int.self, forKey: key) { return String(value) }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: codingPath + [key], debugDescription: "a string"))
    }
}

/// Vault's field values.
enum VaultFields {
    /// Standard base64 → bytes; `nil` → empty when `optional`.
    static func base64(_ value: String?, field: String, optional: Bool = false) throws(TransitError) -> [UInt8] {
        guard let value else {
            if optional { return [] }
            throw .invalidArgument("missing field '\(field)'")
        }
        guard let data = Data(base64Encoded: value) else { throw .invalidArgument("'\(field)' must be base64") }
        return Array(data)
    }

    /// A `key_version`: absent or 0 (the newest) or a version number.
    static func version(_ value: Int?) throws(TransitError) -> Int? {
        if let value, value < 0 { throw .invalidArgument("'key_version' must not be negative") }
        return value
    }

    /// A duration in seconds: an integer (seconds), or numbers with units `s`, `m`, `h`, `d`
    /// (`"24h"`, `"1h30m"`, `"90d"`), as Vault's `auto_rotate_period` takes it.
    static func seconds(_ text: String, field: String) throws(TransitError) -> Int {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return seconds }
        var total = 0
        var number = ""
        for character in text {
            if character.isASCII, character.isNumber {
                number.append(character)
                continue
            }
            let unit: Int? =
                switch character {
                case "s": 1
                case "m": 60
                case "h": 3600
                case "d": 86400
                default: nil
                }
            guard let unit, let value = Int(number), number.count <= 9 else {
                throw .invalidArgument("'\(field)' must be a duration such as 3600, 3600s, 60m, 24h or 30d")
            }
            total += value * unit
            number = ""
        }
        guard number.isEmpty, !text.isEmpty else {
            throw .invalidArgument("'\(field)' must be a duration such as 3600, 3600s, 60m, 24h or 30d")
        }
        return total
    }

    /// Vault's name of a key type.
    static func typeName(_ type: TransitKeyType) -> String {
        switch type {
        case .aes256GCM: "aes256-gcm96"
        case .aes128GCM: "aes128-gcm96"
        case .hmacSHA256: "hmac"
        case .ecdsaP256, .ecdsaP384, .rsa2048, .rsa3072, .rsa4096: type.rawValue
        }
    }

    /// The key type Vault's `name` means (ssm's earlier names too: `aes256-gcm`, `aes128-gcm`,
    /// `hmac-sha256`).
    static func type(_ name: String?) throws(TransitError) -> TransitKeyType {
        let name = name ?? "aes256-gcm96"
        if let type = TransitKeyType.allCases.first(where: { typeName($0) == name }) ?? TransitKeyType(rawValue: name) {
            return type
        }
        let supported = TransitKeyType.allCases.map(typeName).joined(separator: ", ")
        throw .invalidArgument(
            "key type '\(name.prefix(32))' is not supported by ssm's HSM-backed keys (supported: \(supported))")
    }
}
