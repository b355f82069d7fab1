import HTTPTypes
import SSMCore

extension Problem {
    /// The status and code of a `/v1` error (also used for the per-item errors of batches).
    static func from(_ error: TransitError) -> Problem {
        let detail = error.description
        switch error {
        case .keyNotFound: return Problem(.notFound, "KEY_NOT_FOUND", detail)
        case .versionNotFound: return Problem(.notFound, "KEY_VERSION_NOT_FOUND", detail)
        case .versionDisabled: return Problem(.badRequest, "KEY_VERSION_DISABLED", detail)
        case .keyExists: return Problem(.conflict, "KEY_EXISTS", detail)
        case .deletionNotAllowed: return Problem(.conflict, "DELETION_NOT_ALLOWED", detail)
        case .invalidName: return Problem(.badRequest, "INVALID_KEY_NAME", detail)
        case .unsupportedOperation: return Problem(.badRequest, "UNSUPPORTED_OPERATION", detail)
        case .invalidCiphertext: return Problem(.badRequest, "INVALID_CIPHERTEXT", detail)
        case .decryptionFailed: return Problem(.badRequest, "DECRYPTION_ERROR", detail)
        case .plaintextTooLarge: return Problem(.contentTooLarge, "PLAINTEXT_TOO_LARGE", detail)
        case .batchTooLarge: return Problem(.badRequest, "BATCH_TOO_LARGE", detail)
        case .invalidArgument: return Problem(.badRequest, "INVALID_REQUEST", detail)
        case .rejected: return Problem(.badRequest, "HSM_REJECTED", detail)
        }
    }
}
