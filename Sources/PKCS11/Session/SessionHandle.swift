import CPKCS11

/// An open session's identity: Sendable and copyable so a pool can store it. Operations are
/// on ``Session``, which whoever owns the handle lends to one task at a time.
public struct SessionHandle: Sendable, Hashable, CustomStringConvertible {
    /// The module the session belongs to.
    public let module: PKCS11Module
    /// The `CK_SESSION_HANDLE`.
    public let rawValue: UInt
    /// The slot of the session's token.
    public let slot: SlotID

    /// Wraps a session handle the module returned (for tests and fakes; sessions normally
    /// come from ``PKCS11Module/openSession(slot:readWrite:)``).
    public init(module: PKCS11Module, rawValue: UInt, slot: SlotID) {
        self.module = module
        self.rawValue = rawValue
        self.slot = slot
    }

    /// `C_CloseSession`. A session that is already closed or invalid
    /// (`CKR_SESSION_HANDLE_INVALID`, `CKR_SESSION_CLOSED`) is not an error; others are thrown.
    public func close() throws(PKCS11Error) {
        try module.call(
            "C_CloseSession",
            \.C_CloseSession,
            accepting: [.sessionHandleInvalid, .sessionClosed]
        ) { $0(CK_SESSION_HANDLE(rawValue)) }
    }

    /// `session <handle> (slot <slot>)`.
    public var description: String {
        "session \(rawValue) (slot \(slot))"
    }
}
