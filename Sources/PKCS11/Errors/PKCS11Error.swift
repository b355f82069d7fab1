/// An error of the PKCS#11 layer: a `CK_RV` from a named `C_*` function, or a failure of
/// this layer itself (loading, token selection, argument checks).
///
/// Descriptions never contain secrets (PINs, key values, plaintext): only function names,
/// return codes, module paths, token labels/serials and lengths.
public struct PKCS11Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// A `C_*` function returned this non-OK code.
        case returnValue(ReturnValue)
        /// The module could not be loaded (`dlopen` failed); `reason` is `dlerror()`'s text.
        case loadFailed(reason: String)
        /// The library loaded but has no `C_GetFunctionList`.
        case notAPKCS11Module
        /// No token matched `selector`; `present` lists the tokens that were found.
        case tokenNotFound(selector: TokenSelector, present: [TokenInfo])
        /// The module's function list has no entry for the function.
        case functionNotSupported
        /// An argument was rejected by this layer before calling the module.
        case invalidArgument(String)
    }

    /// What went wrong.
    public let kind: Kind
    /// The `C_*` function that failed (`"C_Login"`), if any.
    public let function: String?
    /// The module path, for load errors.
    public let path: String?

    /// Creates an error. The pool and tests use this to build errors the module would return.
    public init(_ kind: Kind, function: String? = nil, path: String? = nil) {
        self.kind = kind
        self.function = function
        self.path = path
    }

    /// The module's return value, when the error is one.
    public var returnValue: ReturnValue? {
        if case .returnValue(let value) = kind {
            return value
        }
        return nil
    }

    /// The error's class; see ``PKCS11ErrorClass`` for the mapping.
    ///
    /// One exception to the code table: `CKR_GENERAL_ERROR` from the data step of a decryption
    /// (`C_Decrypt`, `C_DecryptUpdate`, `C_DecryptFinal`) is ``PKCS11ErrorClass/badInput``, not
    /// ``PKCS11ErrorClass/deviceLost``: SoftHSM reports a failed GCM tag check and bad CBC
    /// padding that way, and treating a client's tampered ciphertext as a lost device would let
    /// any client force the module to be re-initialised. A device that is really gone fails
    /// the next call (`C_DecryptInit`, `C_GetSessionInfo`) with its own code.
    public var errorClass: PKCS11ErrorClass {
        switch kind {
        case .returnValue(let value):
            if value == .generalError, let function, Self.decryptDataFunctions.contains(function) {
                .badInput
            } else {
                value.errorClass
            }
        case .invalidArgument: .badInput
        case .tokenNotFound: .deviceLost
        case .loadFailed, .notAPKCS11Module, .functionNotSupported: .other
        }
    }

    /// A one-line, secret-free description, e.g. `C_Login failed: CKR_PIN_INCORRECT (0xa0)`.
    public var description: String {
        switch kind {
        case .returnValue(let value):
            let suffix = path.map { " (module \($0))" } ?? ""
            return "\(function ?? "PKCS#11 call") failed: \(value)\(suffix)"
        case .loadFailed(let reason):
            return "cannot load PKCS#11 module at \(path ?? "?"): \(reason)"
        case .notAPKCS11Module:
            return "cannot load PKCS#11 module at \(path ?? "?"): not a PKCS#11 module (no C_GetFunctionList)"
        case .tokenNotFound(let selector, let present):
            guard !present.isEmpty else {
                return "no token matches \(selector); no tokens present"
            }
            let tokens = present.map { "slot \($0.slot) '\($0.label)' (serial \($0.serialNumber))" }
            return "no token matches \(selector); tokens present: " + tokens.joined(separator: ", ")
        case .functionNotSupported:
            return "\(function ?? "function") is not supported by the PKCS#11 module"
        case .invalidArgument(let message):
            if let function {
                return "\(function): invalid argument: \(message)"
            }
            return "invalid argument: \(message)"
        }
    }
}

extension PKCS11Error {
    /// The functions whose `CKR_GENERAL_ERROR` means "this ciphertext does not decrypt".
    static let decryptDataFunctions: Set<String> = ["C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal"]

    /// A return-value error from `function`.
    static func returnValue(_ value: ReturnValue, function: String) -> PKCS11Error {
        PKCS11Error(.returnValue(value), function: function)
    }

    /// An argument rejected by this layer.
    static func invalidArgument(_ message: String) -> PKCS11Error {
        PKCS11Error(.invalidArgument(message))
    }
}
