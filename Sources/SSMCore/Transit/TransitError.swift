/// What can go wrong in a Transit operation, independent of HTTP (the HTTP layer maps each
/// case to a status and a problem-details code).
public enum TransitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No key of this name.
    case keyNotFound(name: String)
    /// The key has no such version.
    case versionNotFound(name: String, version: Int)
    /// The version is below the key's `minDecryptionVersion`.
    case versionDisabled(name: String, version: Int, minimum: Int)
    /// A key of this name exists already.
    case keyExists(name: String)
    /// Deletion is not allowed by the key's configuration.
    case deletionNotAllowed(name: String)
    /// A key name that is not `[A-Za-z0-9_.-]{1,64}`.
    case invalidName(String)
    /// The key's type cannot do this.
    case unsupportedOperation(type: TransitKeyType, operation: TransitOperation)
    /// A ciphertext, signature or HMAC string that is not `vault:v<N>:<base64>` or is too short.
    case invalidCiphertext(String)
    /// The data does not decrypt under this key (GCM tag mismatch, wrong associated data).
    case decryptionFailed
    /// A plaintext larger than ``TransitLimits/maxPlaintextBytes``.
    case plaintextTooLarge(limit: Int)
    /// More batch items than configured.
    case batchTooLarge(limit: Int)
    /// Any other request value that is not allowed.
    case invalidArgument(String)
    /// The HSM refused the operation for this input (its `CKR_*` name).
    case rejected(String)

    public var description: String {
        switch self {
        case .keyNotFound(let name): "no key named '\(name)'"
        case .versionNotFound(let name, let version): "key '\(name)' has no version \(version)"
        case .versionDisabled(let name, let version, let minimum):
            "version \(version) of key '\(name)' is below its minimum decryption version \(minimum)"
        case .keyExists(let name): "a key named '\(name)' already exists"
        case .deletionNotAllowed(let name): "deletion of key '\(name)' is not allowed (set deletion_allowed first)"
        case .invalidName(let name):
            "invalid key name '\(name.prefix(80))': 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'"
        case .unsupportedOperation(let type, let operation): "'\(type.rawValue)' keys do not support \(operation.rawValue)"
        case .invalidCiphertext(let reason): reason
        case .decryptionFailed: "the ciphertext does not decrypt under this key (wrong key, data or associated_data)"
        case .plaintextTooLarge(let limit): "the plaintext is larger than \(limit) bytes"
        case .batchTooLarge(let limit): "batch_input has more than \(limit) items"
        case .invalidArgument(let message): message
        case .rejected(let code): "the HSM refused the operation (\(code))"
        }
    }
}

/// Fixed limits of the Transit operations.
public enum TransitLimits {
    /// Largest plaintext of one encryption (after base64 decoding): 64 KiB. (AWS KMS allows
    /// 4 KiB; encrypt larger data with a data key.)
    public static let maxPlaintextBytes = 64 * 1024
    /// Largest `random` request, in bytes.
    public static let maxRandomBytes = 4096
    /// Largest signing or HMAC input, in bytes.
    public static let maxInputBytes = 1 << 20

    /// Whether `name` is a valid key name: `[A-Za-z0-9_.-]{1,64}`.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == 0x5f || byte == 0x2e || byte == 0x2d
        }
    }
}
