import CPKCS11

/// A slot number as PKCS#11 reports it (`CK_SLOT_ID`).
public typealias SlotID = UInt

/// What `C_GetTokenInfo` says about the token in a slot. Text fields are trimmed of padding.
public struct TokenInfo: Sendable, Hashable {
    /// The slot holding the token.
    public var slot: SlotID
    /// The token label.
    public var label: String
    /// The token serial number.
    public var serialNumber: String
    /// The token manufacturer.
    public var manufacturer: String
    /// The token model.
    public var model: String
    /// The most sessions the token allows; nil when unlimited or not reported.
    public var maxSessionCount: Int?
    /// The most read/write sessions the token allows; nil when unlimited or not reported.
    public var maxRWSessionCount: Int?
    /// Whether the user must log in to use private objects (`CKF_LOGIN_REQUIRED`).
    public var loginRequired: Bool
    /// Whether the token has been initialised (`CKF_TOKEN_INITIALIZED`).
    public var tokenInitialized: Bool
    /// Whether the user PIN has been set (`CKF_USER_PIN_INITIALIZED`).
    public var userPINInitialized: Bool

    /// Creates token information (for tests and fakes).
    public init(
        slot: SlotID,
        label: String,
        serialNumber: String,
        manufacturer: String = "",
        model: String = "",
        maxSessionCount: Int? = nil,
        maxRWSessionCount: Int? = nil,
        loginRequired: Bool = true,
        tokenInitialized: Bool = true,
        userPINInitialized: Bool = true
    ) {
        self.slot = slot
        self.label = label
        self.serialNumber = serialNumber
        self.manufacturer = manufacturer
        self.model = model
        self.maxSessionCount = maxSessionCount
        self.maxRWSessionCount = maxRWSessionCount
        self.loginRequired = loginRequired
        self.tokenInitialized = tokenInitialized
        self.userPINInitialized = userPINInitialized
    }

    init(slot: SlotID, _ info: CK_TOKEN_INFO) {
        let flags = UInt(info.flags)
        self.init(
            slot: slot,
            label: paddedString(info.label),
            serialNumber: paddedString(info.serialNumber),
            manufacturer: paddedString(info.manufacturerID),
            model: paddedString(info.model),
            maxSessionCount: Self.limit(UInt(info.ulMaxSessionCount)),
            maxRWSessionCount: Self.limit(UInt(info.ulMaxRwSessionCount)),
            loginRequired: flags & UInt(CKF_LOGIN_REQUIRED) != 0,
            tokenInitialized: flags & UInt(CKF_TOKEN_INITIALIZED) != 0,
            userPINInitialized: flags & UInt(CKF_USER_PIN_INITIALIZED) != 0
        )
    }

    /// A session limit, or nil for `CK_EFFECTIVELY_INFINITE` (0) and
    /// `CK_UNAVAILABLE_INFORMATION` (all ones).
    private static func limit(_ value: UInt) -> Int? {
        guard value != 0, value != UInt.max, let limit = Int(exactly: value) else {
            return nil
        }
        return limit
    }
}
