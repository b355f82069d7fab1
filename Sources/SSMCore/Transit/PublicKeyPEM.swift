import Crypto
import PKCS11
import _CryptoExtras

/// SubjectPublicKeyInfo PEM of a public key read from the token.
enum PublicKeyPEM {
    static func pem(_ value: PublicKeyValue) throws -> String {
        switch value {
        case .ec(let point, let parameters):
            if parameters == KeyPairType.secp384r1OID {
                return try P384.Signing.PublicKey(x963Representation: point).pemRepresentation
            }
            return try P256.Signing.PublicKey(x963Representation: point).pemRepresentation
        case .rsa(let modulus, let exponent):
            return try _RSA.Signing.PublicKey(n: modulus, e: exponent).pemRepresentation
        }
    }
}
