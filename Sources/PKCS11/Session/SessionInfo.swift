import CPKCS11

/// The state of a session (`CKS_*`).
public enum SessionState: Sendable, Hashable {
    /// `CKS_RO_PUBLIC_SESSION`.
    case readOnlyPublic
    /// `CKS_RO_USER_FUNCTIONS`.
    case readOnlyUser
    /// `CKS_RW_PUBLIC_SESSION`.
    case readWritePublic
    /// `CKS_RW_USER_FUNCTIONS`.
    case readWriteUser
    /// `CKS_RW_SO_FUNCTIONS`.
    case readWriteSecurityOfficer
    /// A state this layer does not know.
    case unknown(UInt)

    init(_ state: CK_STATE) {
        switch UInt(state) {
        case UInt(CKS_RO_PUBLIC_SESSION): self = .readOnlyPublic
        case UInt(CKS_RO_USER_FUNCTIONS): self = .readOnlyUser
        case UInt(CKS_RW_PUBLIC_SESSION): self = .readWritePublic
        case UInt(CKS_RW_USER_FUNCTIONS): self = .readWriteUser
        case UInt(CKS_RW_SO_FUNCTIONS): self = .readWriteSecurityOfficer
        case let other: self = .unknown(other)
        }
    }

    /// Whether the user (or security officer) is logged in.
    public var isLoggedIn: Bool {
        switch self {
        case .readOnlyUser, .readWriteUser, .readWriteSecurityOfficer: true
        case .readOnlyPublic, .readWritePublic, .unknown: false
        }
    }
}

/// What `C_GetSessionInfo` says about a session.
public struct SessionInfo: Sendable, Hashable {
    /// The slot of the session's token.
    public var slot: SlotID
    /// The session state (read-only/read-write, public/user/SO).
    public var state: SessionState
    /// Whether the session is read/write (`CKF_RW_SESSION`).
    public var readWrite: Bool
    /// The device-specific error code (`ulDeviceError`), 0 when none.
    public var deviceError: UInt

    init(_ info: CK_SESSION_INFO) {
        slot = SlotID(info.slotID)
        state = SessionState(info.state)
        readWrite = UInt(info.flags) & UInt(CKF_RW_SESSION) != 0
        deviceError = UInt(info.ulDeviceError)
    }
}
