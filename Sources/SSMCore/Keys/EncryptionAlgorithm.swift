import PKCS11

/// SSM's `encryption_algorithm` numbers and the mechanism each one selects.
///
/// 1-4 are SSM's legacy ("K4") keys, 5-8 its service keys, 9 AES-256-GCM. The number
/// picks the mechanism family; the key itself is picked by label and id. There is no
/// fallback: CBC always uses PKCS#7 padding and a full-length IV, never ECB.
public enum EncryptionAlgorithm: Int, Sendable, CaseIterable {
    case aes256 = 1, aes128 = 2, des = 3, des3 = 4
    case aes256Service = 5, aes128Service = 6, desService = 7, des3Service = 8
    case aes256GCM = 9

    /// The mechanism family of an algorithm.
    public enum Family: Sendable, Hashable {
        case aesCBC, desCBC, des3CBC, aesGCM
    }

    /// The mechanism family this number selects.
    public var family: Family {
        switch self {
        case .aes256, .aes128, .aes256Service, .aes128Service: .aesCBC
        case .des, .desService: .desCBC
        case .des3, .des3Service: .des3CBC
        case .aes256GCM: .aesGCM
        }
    }
}

extension EncryptionAlgorithm.Family {
    /// IV length in bytes: 16 for AES-CBC, 8 for DES and DES3, 12 for GCM.
    public var ivLength: Int {
        switch self {
        case .aesCBC: 16
        case .desCBC, .des3CBC: 8
        case .aesGCM: 12
        }
    }

    /// The key type this family needs.
    var keyType: KeyType {
        switch self {
        case .aesCBC, .aesGCM: .aes
        case .desCBC: .des
        case .des3CBC: .des3
        }
    }

    /// The PKCS#11 mechanism with its parameters.
    func mechanism(iv: [UInt8], aad: [UInt8]) -> Mechanism {
        switch self {
        case .aesCBC: .aesCBCPad(iv: iv)
        case .desCBC: .desCBCPad(iv: iv)
        case .des3CBC: .des3CBCPad(iv: iv)
        case .aesGCM: .aesGCM(iv: iv, aad: aad, tagBits: 128)
        }
    }
}

extension KeyType {
    /// The name used on the wire (`AES`, `DES`, `DES3`).
    public var wireName: String {
        switch self {
        case .aes: "AES"
        case .des: "DES"
        case .des3: "DES3"
        case .genericSecret: "GENERIC_SECRET"
        case .other(let value): "0x\(String(value, radix: 16))"
        }
    }
}

extension SecretKeyType {
    /// SSM's label for generated keys of this type: `KEY_ENCRYPTION_AES256`,
    /// `KEY_ENCRYPTION_AES128`, `KEY_ENCRYPTION_DES`, `KEY_ENCRYPTION_DES3`.
    public var ssmLabel: String {
        switch self {
        case .aes(let bits): "KEY_ENCRYPTION_AES\(bits)"
        case .des: "KEY_ENCRYPTION_DES"
        case .des3: "KEY_ENCRYPTION_DES3"
        }
    }
}
