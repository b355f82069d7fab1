import CPKCS11

extension PKCS11Module {
    /// `C_GetInfo`: the PKCS#11 version, manufacturer and library description.
    public func info() throws(PKCS11Error) -> ModuleInfo {
        var info = CK_INFO()
        try call("C_GetInfo", \.C_GetInfo) { $0(&info) }
        return ModuleInfo(info)
    }

    /// `C_GetSlotList`: the slots, only those with a token when `tokenPresent`.
    public func slots(tokenPresent: Bool = true) throws(PKCS11Error) -> [SlotID] {
        let present = CK_BBOOL(tokenPresent ? CK_TRUE : CK_FALSE)
        // The list can grow between the size query and the call: retry on CKR_BUFFER_TOO_SMALL.
        for _ in 0..<3 {
            var count: CK_ULONG = 0
            try call("C_GetSlotList", \.C_GetSlotList) { $0(present, nil, &count) }
            // More than 64k slots is a module fault (CK_UNAVAILABLE_INFORMATION, say).
            guard count <= 65536 else { throw PKCS11Error.returnValue(.generalError, function: "C_GetSlotList") }
            var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
            if slots.isEmpty {
                return []
            }
            let result = try slots.withUnsafeMutableBufferPointer { (buffer) throws(PKCS11Error) in
                try call("C_GetSlotList", \.C_GetSlotList, accepting: [.bufferTooSmall]) {
                    $0(present, buffer.baseAddress, &count)
                }
            }
            if result.isOK {
                return slots.prefix(Int(clamping: count)).map { SlotID($0) }
            }
        }
        throw PKCS11Error.returnValue(.bufferTooSmall, function: "C_GetSlotList")
    }

    /// `C_GetTokenInfo` for the token in `slot`.
    public func tokenInfo(slot: SlotID) throws(PKCS11Error) -> TokenInfo {
        var info = CK_TOKEN_INFO()
        try call("C_GetTokenInfo", \.C_GetTokenInfo) { $0(CK_SLOT_ID(slot), &info) }
        return TokenInfo(slot: slot, info)
    }

    /// The tokens in all slots with a token present, by slot.
    public func tokens() throws(PKCS11Error) -> [TokenInfo] {
        var tokens: [TokenInfo] = []
        for slot in try slots(tokenPresent: true) {
            tokens.append(try tokenInfo(slot: slot))
        }
        return tokens
    }

    /// Finds the token; when none matches throws ``PKCS11Error/Kind/tokenNotFound(selector:present:)``
    /// listing the tokens present (slot, label, serial). Several matches: the lowest slot wins.
    public func selectToken(_ selector: TokenSelector) throws(PKCS11Error) -> TokenInfo {
        let tokens = try tokens()
        guard let token = tokens.first(where: selector.matches) else {
            throw PKCS11Error(.tokenNotFound(selector: selector, present: tokens))
        }
        return token
    }

    /// `C_OpenSession` with `CKF_SERIAL_SESSION` (| `CKF_RW_SESSION` when `readWrite`).
    /// The caller owns the handle and must ``SessionHandle/close()`` it.
    public func openSession(slot: SlotID, readWrite: Bool = true) throws(PKCS11Error) -> SessionHandle {
        var flags = CK_FLAGS(CKF_SERIAL_SESSION)
        if readWrite {
            flags |= CK_FLAGS(CKF_RW_SESSION)
        }
        var session: CK_SESSION_HANDLE = 0
        try call("C_OpenSession", \.C_OpenSession) { $0(CK_SLOT_ID(slot), flags, nil, nil, &session) }
        return SessionHandle(module: self, rawValue: UInt(session), slot: slot)
    }
}
