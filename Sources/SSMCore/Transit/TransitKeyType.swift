import PKCS11

/// The type of a Transit named key; every version of the key has this type. The raw values
/// are what the token's metadata objects store (Vault's wire names are the adapter's).
public enum TransitKeyType: String, Codable, Sendable, CaseIterable {
    /// AES-256 in GCM mode: encrypt, decrypt, rewrap, data keys.
    case aes256GCM = "aes256-gcm"
    /// AES-128 in GCM mode: encrypt, decrypt, rewrap, data keys.
    case aes128GCM = "aes128-gcm"
    /// A 64-byte generic secret for HMAC (SHA-256 by default; SHA-384/512 on request).
    case hmacSHA256 = "hmac-sha256"
    /// ECDSA on P-256: sign, verify.
    case ecdsaP256 = "ecdsa-p256"
    /// ECDSA on P-384: sign, verify.
    case ecdsaP384 = "ecdsa-p384"
    /// RSA-2048: sign, verify (PSS or PKCS #1 v1.5).
    case rsa2048 = "rsa-2048"
    /// RSA-3072: sign, verify (PSS or PKCS #1 v1.5).
    case rsa3072 = "rsa-3072"
    /// RSA-4096: sign, verify (PSS or PKCS #1 v1.5).
    case rsa4096 = "rsa-4096"

    /// Whether the key encrypts and decrypts (AES-GCM).
    public var supportsEncryption: Bool { self == .aes256GCM || self == .aes128GCM }

    /// Whether the key computes HMACs.
    public var supportsHMAC: Bool { self == .hmacSHA256 }

    /// Whether the key signs and verifies (an asymmetric key pair).
    public var supportsSigning: Bool { isAsymmetric }

    /// Whether each version is a key pair with a public key to publish.
    public var isAsymmetric: Bool {
        switch self {
        case .ecdsaP256, .ecdsaP384, .rsa2048, .rsa3072, .rsa4096: true
        case .aes256GCM, .aes128GCM, .hmacSHA256: false
        }
    }

    /// Whether each version is an ECDSA key pair.
    public var isECDSA: Bool { self == .ecdsaP256 || self == .ecdsaP384 }

    /// The RSA modulus size in bits (nil for other types).
    public var rsaBits: Int? {
        switch self {
        case .rsa2048: 2048
        case .rsa3072: 3072
        case .rsa4096: 4096
        default: nil
        }
    }

    /// The key pair to generate for asymmetric types.
    var keyPairType: KeyPairType? {
        switch self {
        case .ecdsaP256: .ecP256
        case .ecdsaP384: .ecP384
        case .rsa2048: .rsa(bits: 2048)
        case .rsa3072: .rsa(bits: 3072)
        case .rsa4096: .rsa(bits: 4096)
        case .aes256GCM, .aes128GCM, .hmacSHA256: nil
        }
    }

    /// Bytes of the generic secret of HMAC keys: 64, enough for SHA-512 HMAC (SoftHSM
    /// refuses HMAC keys shorter than the digest).
    static let hmacKeyLength = 64
}

/// The names of the operations, for errors (`'ecdsa-p256' keys cannot encrypt`).
public enum TransitOperation: String, Sendable {
    case encrypt, decrypt, rewrap, datakey, sign, verify, hmac
}
