import CPKCS11

/// A session lent to one task at a time: not copyable, not Sendable. Built from a handle by
/// whoever owns the handle (the pool) and passed `borrowing` to a closure, so it cannot
/// escape the scope. Dropping a `Session` does not close the session; the handle's owner does.
public struct Session: ~Copyable {
    /// The session's identity.
    public let handle: SessionHandle

    /// Lends the session identified by `handle`. The caller guarantees no other task uses
    /// the same handle at the same time.
    public init(_ handle: SessionHandle) {
        self.handle = handle
    }

    /// Calls a session function of the module, passing the session handle to `body`.
    @discardableResult
    func call<Function>(
        _ name: String,
        _ function: KeyPath<CK_FUNCTION_LIST, Function?>,
        accepting accepted: [ReturnValue] = [],
        _ body: (Function, CK_SESSION_HANDLE) -> CK_RV
    ) throws(PKCS11Error) -> ReturnValue {
        let session = CK_SESSION_HANDLE(handle.rawValue)
        return try handle.module.call(name, function, accepting: accepted) { body($0, session) }
    }
}

@available(*, unavailable, message: "a Session is lent to one task at a time; share its SessionHandle's owner instead")
extension Session: Sendable {}

extension Session {
    /// `C_GetSessionInfo`: slot, state, read/write flag, device error.
    public func info() throws(PKCS11Error) -> SessionInfo {
        var info = CK_SESSION_INFO()
        try call("C_GetSessionInfo", \.C_GetSessionInfo) { $0($1, &info) }
        return SessionInfo(info)
    }

    /// `C_Login(CKU_USER)`. `CKR_USER_ALREADY_LOGGED_IN` counts as success. The PIN is passed
    /// as bytes and never stored or printed; it is lent to the module in place (no copy is made).
    ///
    /// Login state belongs to the token and the process, not to the session: logging in one
    /// session logs in all of them.
    public func login(pin: [UInt8]) throws(PKCS11Error) {
        try withCBytes(pin) { (pin, length) throws(PKCS11Error) in
            try call("C_Login", \.C_Login, accepting: [.userAlreadyLoggedIn]) {
                $0($1, CK_USER_TYPE(CKU_USER), pin, length)
            }
        }
    }

    /// `C_Login(CKU_USER)` with a PIN given as text (UTF-8). The temporary byte copy is zeroed.
    public func login(pin: String) throws(PKCS11Error) {
        var bytes = Array(pin.utf8)
        defer { secureZero(&bytes) }
        try login(pin: bytes)
    }

    /// `C_Logout`. Logs out every session of the token in this process. `CKR_USER_NOT_LOGGED_IN`
    /// counts as success.
    public func logout() throws(PKCS11Error) {
        try call("C_Logout", \.C_Logout, accepting: [.userNotLoggedIn]) { $0($1) }
    }

    /// `C_SetPIN`: changes the PIN of the user logged in on this session (a read-write
    /// session). Neither PIN is stored or printed.
    public func setPIN(old: [UInt8], new: [UInt8]) throws(PKCS11Error) {
        try withCBytes(old) { (old, oldLength) throws(PKCS11Error) in
            try withCBytes(new) { (new, newLength) throws(PKCS11Error) in
                try call("C_SetPIN", \.C_SetPIN) { $0($1, old, oldLength, new, newLength) }
            }
        }
    }
}
