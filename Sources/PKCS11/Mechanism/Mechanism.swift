/// An encryption mechanism with its parameters.
///
/// IV lengths are checked before calling the module: AES-CBC 16 bytes, DES/DES3-CBC 8,
/// AES-GCM 12, none for AES-ECB (whose input must be whole 16-byte blocks, also checked).
/// AES-GCM output is ciphertext ‖ tag (the PKCS#11 convention) and its input for decryption
/// is the same.
public enum Mechanism: Sendable, Hashable, CustomStringConvertible {
    /// `CKM_AES_CBC_PAD`: AES-CBC with PKCS#7 padding; a 16-byte IV.
    case aesCBCPad(iv: [UInt8])
    /// `CKM_AES_GCM`: a 12-byte IV, optional additional authenticated data, a tag of
    /// `tagBits` bits (32…128, a multiple of 8) appended to the ciphertext.
    case aesGCM(iv: [UInt8], aad: [UInt8] = [], tagBits: Int = 128)
    /// `CKM_DES_CBC_PAD`: single DES-CBC with PKCS#7 padding; an 8-byte IV.
    case desCBCPad(iv: [UInt8])
    /// `CKM_DES3_CBC_PAD`: triple DES-CBC with PKCS#7 padding; an 8-byte IV.
    case des3CBCPad(iv: [UInt8])
    /// `CKM_AES_ECB`: AES block by block, no IV and no padding, so the input must be a whole
    /// number of 16-byte blocks and equal blocks give equal ciphertext. Not for protecting
    /// data: it exists for `ssm-bench`, which measures p11-kit's RPC (the one AES mode that RPC
    /// carries, having no parameter) beside the same loop in-process.
    case aesECB

    /// The IV length the mechanism requires, in bytes.
    public var requiredIVLength: Int {
        switch self {
        case .aesCBCPad: 16
        case .aesGCM: 12
        case .desCBCPad, .des3CBCPad: 8
        case .aesECB: 0
        }
    }

    /// The mechanism's IV.
    public var iv: [UInt8] {
        switch self {
        case .aesCBCPad(let iv), .aesGCM(let iv, _, _), .desCBCPad(let iv), .des3CBCPad(let iv): iv
        case .aesECB: []
        }
    }

    /// The mechanism name, e.g. `CKM_AES_GCM` (parameters are not shown).
    public var description: String {
        switch self {
        case .aesCBCPad: "CKM_AES_CBC_PAD"
        case .aesGCM: "CKM_AES_GCM"
        case .desCBCPad: "CKM_DES_CBC_PAD"
        case .des3CBCPad: "CKM_DES3_CBC_PAD"
        case .aesECB: "CKM_AES_ECB"
        }
    }

    /// Checks the parameters; throws ``PKCS11Error/Kind/invalidArgument(_:)``.
    public func validate() throws(PKCS11Error) {
        guard iv.count == requiredIVLength else {
            throw PKCS11Error.invalidArgument("\(self) needs a \(requiredIVLength)-byte IV, not \(iv.count) bytes")
        }
        if case .aesGCM(_, _, let tagBits) = self, !(32...128).contains(tagBits) || tagBits % 8 != 0 {
            throw PKCS11Error.invalidArgument("\(self) tag length must be 32…128 bits in steps of 8, not \(tagBits)")
        }
    }

    /// Checks the parameters (``validate()``) and that an input of `length` bytes suits the
    /// mechanism: AES-ECB takes whole 16-byte blocks only; throws
    /// ``PKCS11Error/Kind/invalidArgument(_:)``.
    public func validate(inputLength length: Int) throws(PKCS11Error) {
        try validate()
        if case .aesECB = self, !length.isMultiple(of: 16) {
            throw PKCS11Error.invalidArgument("\(self) needs whole 16-byte blocks, not \(length) bytes")
        }
    }
}
