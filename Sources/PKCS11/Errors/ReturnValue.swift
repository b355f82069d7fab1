/// A PKCS#11 return value (`CK_RV`), kept exactly as the module returned it.
///
/// Standard codes have a name (`CKR_PIN_INCORRECT`) and an ``errorClass``; vendor-defined
/// and unknown codes keep their raw value in their name, so nothing is lost.
public struct ReturnValue: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The raw `CK_RV`.
    public let rawValue: UInt

    /// Wraps a raw `CK_RV`.
    public init(rawValue: UInt) {
        self.rawValue = rawValue
    }

    /// The code's name: `CKR_KEY_HANDLE_INVALID` for a standard code,
    /// `CKR_VENDOR_DEFINED+0x12` for a vendor code, `CKR_0x1234` for an unknown one.
    public var name: String {
        if let entry = Self.table[rawValue] {
            return entry.name
        }
        if rawValue >= Self.vendorDefined.rawValue {
            return "CKR_VENDOR_DEFINED+0x" + String(rawValue - Self.vendorDefined.rawValue, radix: 16)
        }
        return "CKR_0x" + String(rawValue, radix: 16)
    }

    /// What the code means for the caller (retry, re-login, re-initialise, give up).
    /// Vendor-defined and unknown codes are ``PKCS11ErrorClass/other``.
    public var errorClass: PKCS11ErrorClass {
        Self.table[rawValue]?.errorClass ?? .other
    }

    /// Whether the code is `CKR_OK`.
    public var isOK: Bool {
        rawValue == Self.ok.rawValue
    }

    /// The name and the raw value in hexadecimal, e.g. `CKR_PIN_INCORRECT (0xa0)`.
    public var description: String {
        "\(name) (0x\(String(rawValue, radix: 16)))"
    }
}
