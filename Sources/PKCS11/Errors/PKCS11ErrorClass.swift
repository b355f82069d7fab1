/// What a PKCS#11 failure means for the caller, independent of the exact code.
///
/// The classes drive recovery in the session pool and the status in the HTTP layer:
///
/// - ``badInput``: the request itself is wrong and retrying it cannot help: bad arguments,
///   data or ciphertext (including a failed GCM tag check), mechanism or parameters,
///   attributes and templates, key size/type mismatches, a key that does not permit the
///   function, wrong/invalid/expired/locked PINs, bad signatures or wrapped keys,
///   and this layer's own argument checks (``PKCS11Error/Kind/invalidArgument(_:)``).
///   Also `CKR_GENERAL_ERROR` from `C_Decrypt`/`C_DecryptUpdate`/`C_DecryptFinal`
///   (see ``PKCS11Error/errorClass``).
/// - ``objectProblem``: the object (key) handle is invalid or the key cannot be used as
///   asked: `CKR_KEY_HANDLE_INVALID`, `CKR_OBJECT_HANDLE_INVALID`, `CKR_KEY_NOT_NEEDED`,
///   `CKR_KEY_CHANGED`, `CKR_KEY_NEEDED`, `CKR_KEY_INDIGESTIBLE`, `CKR_KEY_UNEXTRACTABLE`,
///   `CKR_KEY_NOT_WRAPPABLE`, `CKR_(UN)WRAPPING_KEY_HANDLE_INVALID`. Drop cached handles.
/// - ``sessionLost``: the session is gone (`CKR_SESSION_HANDLE_INVALID`,
///   `CKR_SESSION_CLOSED`). Evict it and open another.
/// - ``loginLost``: `CKR_USER_NOT_LOGGED_IN`. Log in again.
/// - ``deviceLost``: the token or the library is gone or broken (`CKR_DEVICE_REMOVED`,
///   `CKR_DEVICE_ERROR`, `CKR_TOKEN_NOT_PRESENT`, `CKR_TOKEN_NOT_RECOGNIZED`,
///   `CKR_CRYPTOKI_NOT_INITIALIZED`, `CKR_SLOT_ID_INVALID`, `CKR_GENERAL_ERROR`,
///   `CKR_FIPS_SELF_TEST_FAILED`; `CKR_GENERAL_ERROR` except from a decryption's data step),
///   and ``PKCS11Error/Kind/tokenNotFound(selector:present:)``.
///   Finalize and initialise the module again.
/// - ``resourceExhausted``: `CKR_SESSION_COUNT`, `CKR_DEVICE_MEMORY`, `CKR_HOST_MEMORY`.
///   Back off; use fewer sessions.
/// - ``other``: everything else, including `CKR_FUNCTION_FAILED`, `CKR_OPERATION_ACTIVE`,
///   `CKR_OPERATION_NOT_INITIALIZED`, `CKR_BUFFER_TOO_SMALL`, vendor-defined and unknown
///   codes, load failures and unsupported functions.
public enum PKCS11ErrorClass: String, Sendable, Hashable {
    /// The request is wrong; retrying it cannot help.
    case badInput
    /// The object handle is invalid or the key cannot be used that way.
    case objectProblem
    /// The session is closed or invalid.
    case sessionLost
    /// The user is no longer logged in.
    case loginLost
    /// The token, the device or the library state is lost.
    case deviceLost
    /// The module or token ran out of sessions or memory.
    case resourceExhausted
    /// Anything else.
    case other
}
