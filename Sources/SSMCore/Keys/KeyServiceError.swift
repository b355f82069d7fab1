import PKCS11

/// What can go wrong in a key or crypto operation, independent of HTTP.
///
/// The HTTP layer maps each case to a status and a problem-details code.
public enum KeyServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No key with this label (and id, when given).
    case keyNotFound(label: String, id: KeyID?)
    /// A key with this label and id already exists.
    case keyExists(label: String, id: KeyID)
    /// The IV has the wrong length for the algorithm.
    case invalidIV(expected: Int, actual: Int)
    /// The GCM tag is not 16 bytes.
    case invalidTag(actual: Int)
    /// A key value of the wrong length for its type.
    case invalidKeySize(String)
    /// The key found is not usable with the requested algorithm.
    case keyTypeMismatch(label: String, id: KeyID, expected: KeyType, actual: KeyType)
    /// A request value that is not allowed (empty plaintext, id out of range, ...).
    case invalidArgument(String)
    /// The ciphertext does not decrypt under this key (bad padding, GCM tag mismatch).
    case decryptionFailed

    public var description: String {
        switch self {
        case .keyNotFound(let label, let id?): "no key with label '\(label)' and id \(id)"
        case .keyNotFound(let label, nil): "no key with label '\(label)'"
        case .keyExists(let label, let id): "a key with label '\(label)' and id \(id) already exists"
        case .invalidIV(let expected, let actual): "the IV must be \(expected) bytes, got \(actual)"
        case .invalidTag(let actual): "the GCM tag must be 16 bytes, got \(actual)"
        case .invalidKeySize(let message): message
        case .keyTypeMismatch(let label, let id, let expected, let actual):
            "key '\(label)' id \(id) is \(actual.wireName), the algorithm needs \(expected.wireName)"
        case .invalidArgument(let message): message
        case .decryptionFailed: "the ciphertext does not decrypt under this key (wrong key, IV, tag or data)"
        }
    }
}
