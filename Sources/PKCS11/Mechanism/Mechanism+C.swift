import CPKCS11

extension Mechanism {
    /// The `CKM_*` value.
    var type: CK_MECHANISM_TYPE {
        switch self {
        case .aesCBCPad: CK_MECHANISM_TYPE(CKM_AES_CBC_PAD)
        case .aesGCM: CK_MECHANISM_TYPE(CKM_AES_GCM)
        case .desCBCPad: CK_MECHANISM_TYPE(CKM_DES_CBC_PAD)
        case .des3CBCPad: CK_MECHANISM_TYPE(CKM_DES3_CBC_PAD)
        case .aesECB: CK_MECHANISM_TYPE(CKM_AES_ECB)
        }
    }

    /// Lends the mechanism as a `CK_MECHANISM` whose parameter buffers (IV, AAD,
    /// `CK_GCM_PARAMS`; none for AES-ECB) stay valid for the duration of `body`.
    @discardableResult
    func withUnsafeMechanism<Result>(
        _ body: (UnsafeMutablePointer<CK_MECHANISM>) throws(PKCS11Error) -> Result
    ) throws(PKCS11Error) -> Result {
        let type = self.type
        switch self {
        case .aesCBCPad(let iv), .desCBCPad(let iv), .des3CBCPad(let iv):
            return try withCBytes(iv) { (iv, ivLength) throws(PKCS11Error) -> Result in
                var mechanism = CK_MECHANISM(mechanism: type, pParameter: UnsafeMutableRawPointer(iv), ulParameterLen: ivLength)
                return try withUnsafeMutablePointer(to: &mechanism) { (pointer) throws(PKCS11Error) -> Result in
                    try body(pointer)
                }
            }
        case .aesECB:
            var mechanism = CK_MECHANISM(mechanism: type, pParameter: nil, ulParameterLen: 0)
            return try withUnsafeMutablePointer(to: &mechanism) { (pointer) throws(PKCS11Error) -> Result in
                try body(pointer)
            }
        case .aesGCM(let iv, let aad, let tagBits):
            return try withCBytes(iv) { (iv, ivLength) throws(PKCS11Error) -> Result in
                try withCBytes(aad) { (aad, aadLength) throws(PKCS11Error) -> Result in
                    var parameters = CK_GCM_PARAMS(
                        pIv: iv,
                        ulIvLen: ivLength,
                        ulIvBits: ivLength * 8,
                        pAAD: aad,
                        ulAADLen: aadLength,
                        ulTagBits: CK_ULONG(tagBits)
                    )
                    return try withUnsafeMutablePointer(to: &parameters) { (parameters) throws(PKCS11Error) -> Result in
                        var mechanism = CK_MECHANISM(
                            mechanism: type,
                            pParameter: UnsafeMutableRawPointer(parameters),
                            ulParameterLen: CK_ULONG(MemoryLayout<CK_GCM_PARAMS>.size)
                        )
                        return try withUnsafeMutablePointer(to: &mechanism) { (pointer) throws(PKCS11Error) -> Result in
                            try body(pointer)
                        }
                    }
                }
            }
        }
    }
}
