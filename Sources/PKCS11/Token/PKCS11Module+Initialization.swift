import CPKCS11

extension PKCS11Module {
    /// `C_InitToken`: initialises the token in `slot` with the security officer's PIN and a
    /// label, **destroying every object it holds**. For an empty slot (SoftHSM keeps one free
    /// slot, ``TokenInfo/tokenInitialized`` false) this creates a token; the user PIN is set
    /// afterwards with ``Session/initUserPIN(_:)`` on a session logged in as the security officer.
    ///
    /// - Throws: ``PKCS11Error/Kind/invalidArgument(_:)`` for a label that is empty or longer
    ///   than 32 bytes (UTF-8); the module's error otherwise.
    public func initToken(slot: SlotID, soPIN: [UInt8], label: String) throws(PKCS11Error) {
        var padded = Array(label.utf8)
        guard !padded.isEmpty, padded.count <= 32 else {
            throw PKCS11Error(.invalidArgument("a token label must be 1 to 32 bytes, got \(padded.count)"), function: "C_InitToken")
        }
        padded += Array(repeating: UInt8(ascii: " "), count: 32 - padded.count)
        try withCBytes(soPIN) { (pin, length) throws(PKCS11Error) in
            try withCBytes(padded) { (label, _) throws(PKCS11Error) in
                try call("C_InitToken", \.C_InitToken) { $0(CK_SLOT_ID(slot), pin, length, label) }
            }
        }
    }
}

extension Session {
    /// `C_Login(CKU_SO)`: logs the security officer in (needed by ``initUserPIN(_:)``).
    /// `CKR_USER_ALREADY_LOGGED_IN` counts as success. The PIN is lent in place, never kept.
    public func loginSecurityOfficer(pin: [UInt8]) throws(PKCS11Error) {
        try withCBytes(pin) { (pin, length) throws(PKCS11Error) in
            try call("C_Login", \.C_Login, accepting: [.userAlreadyLoggedIn]) {
                $0($1, CK_USER_TYPE(CKU_SO), pin, length)
            }
        }
    }

    /// `C_InitPIN`: sets the normal user's PIN. The session must be read/write and logged in
    /// as the security officer. The PIN is lent in place, never kept.
    public func initUserPIN(_ pin: [UInt8]) throws(PKCS11Error) {
        try withCBytes(pin) { (pin, length) throws(PKCS11Error) in
            try call("C_InitPIN", \.C_InitPIN) { $0($1, pin, length) }
        }
    }
}
