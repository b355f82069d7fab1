import PKCS11
import SessionPool

/// The one error the core answers with, whatever failed below it: what kind of failure it is
/// (which a protocol turns into its own status), a stable code, a detail safe to show a
/// client (never a secret, never key material), and when to retry.
///
/// The core's services throw their own precise errors (``KeyServiceError``, ``TransitError``,
/// ``HSMUnavailableError``, and below them the pool's and the PKCS#11 layer's);
/// ``init(classifying:)`` turns any of them into this one type, so a protocol adapter maps
/// one type and never sees a `CKR_*` value or a pool state.
public struct SSMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure, independent of any protocol.
    public enum Kind: Sendable, Hashable {
        /// The request is wrong (a bad value, a key of the wrong type, a ciphertext that does
        /// not decrypt).
        case badInput
        /// A value is larger than allowed.
        case tooLarge
        /// The key (or version) does not exist.
        case notFound
        /// The request conflicts with the token's state (a taken id, a key that may not be
        /// deleted).
        case conflict
        /// The operation is not allowed.
        case denied
        /// Not now: the HSM is unavailable or busy, no session is free, ssm is stopping.
        /// ``SSMError/retryAfter`` says when to retry.
        case unavailable
        /// The HSM failed the operation (its fault, not the request's).
        case hsmFailure
        /// Anything else; the detail says nothing (the log has it).
        case `internal`
    }

    /// What kind of failure.
    public var kind: Kind
    /// A stable upper-case code (`KEY_NOT_FOUND`, `HSM_UNAVAILABLE`, ...).
    public var code: String
    /// What happened, for a person; never a secret.
    public var detail: String
    /// When to try again (``Kind/unavailable`` only).
    public var retryAfter: Duration?

    /// Creates an error.
    public init(_ kind: Kind, _ code: String, _ detail: String, retryAfter: Duration? = nil) {
        self.kind = kind
        self.code = code
        self.detail = detail
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code): \(detail)" }

    /// `error` as the core's one error; nil for an error that is none of the core's (a
    /// protocol's own errors, a bug).
    public init?(classifying error: any Error) {
        switch error {
        case let error as SSMError: self = error
        case let error as KeyServiceError: self = Self(error)
        case let error as TransitError: self = Self(error)
        case let error as HSMUnavailableError:
            self.init(.unavailable, "HSM_UNAVAILABLE", error.reason, retryAfter: error.retryAfter)
        case let error as PoolError: self = Self(error)
        case let error as PKCS11Error: self = Self(error)
        case is InternalKeyError: self.init(.internal, "INTERNAL_ERROR", "internal error")
        case is CancellationError: self.init(.unavailable, "CANCELLED", "the request was cancelled", retryAfter: .seconds(1))
        default: return nil
        }
    }

    private init(_ error: KeyServiceError) {
        let detail = error.description
        switch error {
        case .keyNotFound: self.init(.notFound, "KEY_NOT_FOUND", detail)
        case .keyExists: self.init(.conflict, "KEY_EXISTS", detail)
        case .invalidIV: self.init(.badInput, "INVALID_IV", detail)
        case .invalidTag: self.init(.badInput, "INVALID_TAG", detail)
        case .invalidKeySize: self.init(.badInput, "INVALID_KEY_SIZE", detail)
        case .keyTypeMismatch: self.init(.badInput, "KEY_TYPE_MISMATCH", detail)
        case .invalidArgument: self.init(.badInput, "INVALID_REQUEST", detail)
        case .decryptionFailed: self.init(.badInput, "DECRYPTION_ERROR", detail)
        }
    }

    private init(_ error: TransitError) {
        let detail = error.description
        switch error {
        case .keyNotFound: self.init(.notFound, "KEY_NOT_FOUND", detail)
        case .versionNotFound: self.init(.notFound, "KEY_VERSION_NOT_FOUND", detail)
        case .versionDisabled: self.init(.badInput, "KEY_VERSION_DISABLED", detail)
        case .keyExists: self.init(.conflict, "KEY_EXISTS", detail)
        case .deletionNotAllowed: self.init(.conflict, "DELETION_NOT_ALLOWED", detail)
        case .invalidName: self.init(.badInput, "INVALID_KEY_NAME", detail)
        case .unsupportedOperation: self.init(.badInput, "UNSUPPORTED_OPERATION", detail)
        case .invalidCiphertext: self.init(.badInput, "INVALID_CIPHERTEXT", detail)
        case .decryptionFailed: self.init(.badInput, "DECRYPTION_ERROR", detail)
        case .plaintextTooLarge: self.init(.tooLarge, "PLAINTEXT_TOO_LARGE", detail)
        case .batchTooLarge: self.init(.badInput, "BATCH_TOO_LARGE", detail)
        case .invalidArgument: self.init(.badInput, "INVALID_REQUEST", detail)
        case .rejected: self.init(.badInput, "HSM_REJECTED", detail)
        }
    }

    private init(_ error: PoolError) {
        switch error {
        case .acquireTimeout:
            self.init(.unavailable, "POOL_EXHAUSTED", "no HSM session became free in time; retry later", retryAfter: .seconds(1))
        case .shutdown:
            self.init(.unavailable, "SHUTTING_DOWN", "the server is shutting down", retryAfter: .seconds(5))
        case .exhausted:
            self.init(.unavailable, "POOL_EXHAUSTED", "every HSM session is in use; retry later", retryAfter: .seconds(1))
        case .queueFull:
            self.init(
                .unavailable, "POOL_QUEUE_FULL", "too many requests are waiting for an HSM session; retry later",
                retryAfter: .seconds(1))
        }
    }

    /// A PKCS#11 code reaches the detail only where it tells the client something.
    private init(_ error: PKCS11Error) {
        let call = error.function ?? "the HSM"
        let code = error.returnValue?.name ?? "error"
        switch error.errorClass {
        case .deviceLost, .sessionLost, .loginLost:
            self.init(
                .unavailable, "HSM_UNAVAILABLE", "the HSM is unavailable (\(call): \(code)); retry later", retryAfter: .seconds(5))
        case .resourceExhausted:
            self.init(.unavailable, "HSM_BUSY", "the HSM is out of resources (\(call): \(code)); retry later", retryAfter: .seconds(1))
        case .badInput:
            if case .invalidArgument(let message) = error.kind {
                self.init(.badInput, "INVALID_REQUEST", message)
            } else {
                // The HSM refused what the client asked (a key that may not do this, ...).
                self.init(.badInput, "HSM_REJECTED", "the HSM refused the operation (\(call): \(code))")
            }
        case .objectProblem, .other:
            self.init(.hsmFailure, "HSM_ERROR", "the HSM failed the operation (\(call): \(code))")
        }
    }
}
