import CPKCS11

/// A key's `CKA_KEY_TYPE` as read back from the token.
public enum KeyType: Sendable, Hashable, CustomStringConvertible {
    /// `CKK_AES`.
    case aes
    /// `CKK_DES`.
    case des
    /// `CKK_DES3`.
    case des3
    /// `CKK_GENERIC_SECRET`.
    case genericSecret
    /// Any other `CKK_*` value.
    case other(UInt)

    /// Maps a `CK_KEY_TYPE`.
    public init(rawValue: UInt) {
        switch rawValue {
        case UInt(CKK_AES): self = .aes
        case UInt(CKK_DES): self = .des
        case UInt(CKK_DES3): self = .des3
        case UInt(CKK_GENERIC_SECRET): self = .genericSecret
        default: self = .other(rawValue)
        }
    }

    /// The `CK_KEY_TYPE` value.
    public var rawValue: UInt {
        switch self {
        case .aes: UInt(CKK_AES)
        case .des: UInt(CKK_DES)
        case .des3: UInt(CKK_DES3)
        case .genericSecret: UInt(CKK_GENERIC_SECRET)
        case .other(let value): value
        }
    }

    /// `AES`, `DES`, `DES3`, `GENERIC_SECRET` or `CKK_0x…`.
    public var description: String {
        switch self {
        case .aes: "AES"
        case .des: "DES"
        case .des3: "DES3"
        case .genericSecret: "GENERIC_SECRET"
        case .other(let value): "CKK_0x" + String(value, radix: 16)
        }
    }
}

/// A secret key to generate or import.
public enum SecretKeyType: Sendable, Hashable, CustomStringConvertible {
    /// AES with 128, 192 or 256 bits (`CKM_AES_KEY_GEN` with `CKA_VALUE_LEN`).
    case aes(bits: Int)
    /// Single DES, 8 bytes (`CKM_DES_KEY_GEN`).
    case des
    /// Triple DES, 24 bytes (`CKM_DES3_KEY_GEN`).
    case des3

    /// The key type stored in `CKA_KEY_TYPE`.
    public var keyType: KeyType {
        switch self {
        case .aes: .aes
        case .des: .des
        case .des3: .des3
        }
    }

    /// The key length in bytes.
    public var lengthBytes: Int {
        switch self {
        case .aes(let bits): bits / 8
        case .des: 8
        case .des3: 24
        }
    }

    /// `AES-256`, `DES`, `DES3`.
    public var description: String {
        switch self {
        case .aes(let bits): "AES-\(bits)"
        case .des: "DES"
        case .des3: "DES3"
        }
    }

    /// Rejects AES sizes other than 128, 192 and 256 bits.
    func validate() throws(PKCS11Error) {
        if case .aes(let bits) = self, ![128, 192, 256].contains(bits) {
            throw PKCS11Error.invalidArgument("AES keys have 128, 192 or 256 bits, not \(bits)")
        }
    }

    /// The key generation mechanism.
    var generationMechanism: CK_MECHANISM_TYPE {
        switch self {
        case .aes: CK_MECHANISM_TYPE(CKM_AES_KEY_GEN)
        case .des: CK_MECHANISM_TYPE(CKM_DES_KEY_GEN)
        case .des3: CK_MECHANISM_TYPE(CKM_DES3_KEY_GEN)
        }
    }
}
