/// An asymmetric key pair to generate.
public enum KeyPairType: Sendable, Hashable, CustomStringConvertible {
    /// ECDSA on NIST P-256 (`CKM_EC_KEY_PAIR_GEN`, `CKA_EC_PARAMS` = the prime256v1 OID).
    case ecP256
    /// ECDSA on NIST P-384 (`CKA_EC_PARAMS` = the secp384r1 OID).
    case ecP384
    /// RSA with a 2048-, 3072- or 4096-bit modulus and public exponent 65537
    /// (`CKM_RSA_PKCS_KEY_PAIR_GEN`).
    case rsa(bits: Int)

    /// `EC-P256`, `RSA-2048`, …
    public var description: String {
        switch self {
        case .ecP256: "EC-P256"
        case .ecP384: "EC-P384"
        case .rsa(let bits): "RSA-\(bits)"
        }
    }

    /// Rejects RSA sizes other than 2048, 3072 and 4096 bits.
    func validate() throws(PKCS11Error) {
        if case .rsa(let bits) = self, ![2048, 3072, 4096].contains(bits) {
            throw PKCS11Error.invalidArgument("RSA keys have 2048, 3072 or 4096 bits, not \(bits)")
        }
    }

    /// The DER encoding of the prime256v1 (secp256r1) object identifier, 1.2.840.10045.3.1.7.
    public static let prime256v1OID: [UInt8] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
    /// The DER encoding of the secp384r1 object identifier, 1.3.132.0.34.
    public static let secp384r1OID: [UInt8] = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]
}

/// The two halves of a generated key pair.
public struct KeyPairHandles: Sendable, Hashable {
    /// The public key (`CKO_PUBLIC_KEY`).
    public let publicKey: ObjectHandle
    /// The private key (`CKO_PRIVATE_KEY`): private, sensitive, not extractable.
    public let privateKey: ObjectHandle
}

/// A public key's value as read back from the token.
public enum PublicKeyValue: Sendable, Hashable {
    /// An EC point in the uncompressed X9.62 form `04 ‖ x ‖ y` (the `CKA_EC_POINT` DER OCTET
    /// STRING unwrapped), with the curve's `CKA_EC_PARAMS` (DER).
    case ec(point: [UInt8], parameters: [UInt8])
    /// An RSA modulus and public exponent, big-endian unsigned.
    case rsa(modulus: [UInt8], exponent: [UInt8])
}

/// An object class (`CKO_*`) to search for.
public enum ObjectClass: Sendable, Hashable {
    /// `CKO_DATA`.
    case data
    /// `CKO_PUBLIC_KEY`.
    case publicKey
    /// `CKO_PRIVATE_KEY`.
    case privateKey
    /// `CKO_SECRET_KEY`.
    case secretKey
}

enum DER {
    /// The content of a DER OCTET STRING (tag 0x04, short or long definite length) that
    /// spans all of `bytes`; nil if `bytes` is not one.
    static func octetStringContent(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 2, bytes[0] == 0x04 else { return nil }
        var index = 1
        var length = 0
        let first = Int(bytes[index])
        index += 1
        if first < 0x80 {
            length = first
        } else {
            let count = first & 0x7f
            guard (1...4).contains(count), bytes.count >= index + count else { return nil }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
        }
        guard bytes.count - index == length else { return nil }
        return Array(bytes[index...])
    }
}
