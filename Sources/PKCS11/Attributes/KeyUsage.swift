import CPKCS11

/// The operations a key permits: the `CKA_ENCRYPT`, `CKA_DECRYPT`, `CKA_WRAP`, `CKA_UNWRAP`,
/// `CKA_SIGN` and `CKA_VERIFY` attributes. Templates set each of them explicitly.
public struct KeyUsage: OptionSet, Sendable, Hashable {
    /// The bits.
    public let rawValue: UInt

    /// Creates a set from its bits.
    public init(rawValue: UInt) {
        self.rawValue = rawValue
    }

    /// `CKA_ENCRYPT`.
    public static let encrypt = KeyUsage(rawValue: 1 << 0)
    /// `CKA_DECRYPT`.
    public static let decrypt = KeyUsage(rawValue: 1 << 1)
    /// `CKA_WRAP`.
    public static let wrap = KeyUsage(rawValue: 1 << 2)
    /// `CKA_UNWRAP`.
    public static let unwrap = KeyUsage(rawValue: 1 << 3)
    /// `CKA_SIGN`.
    public static let sign = KeyUsage(rawValue: 1 << 4)
    /// `CKA_VERIFY`.
    public static let verify = KeyUsage(rawValue: 1 << 5)

    /// Generated SSM keys: encrypt, decrypt, wrap, unwrap.
    public static let symmetricDefault: KeyUsage = [.encrypt, .decrypt, .wrap, .unwrap]
    /// Imported (K4) SSM keys: decrypt only.
    public static let decryptOnly: KeyUsage = [.decrypt]

    /// Each usage with its attribute, in template order.
    static let attributes: [(usage: KeyUsage, type: CK_ATTRIBUTE_TYPE)] = [
        (.encrypt, CK_ATTRIBUTE_TYPE(CKA_ENCRYPT)),
        (.decrypt, CK_ATTRIBUTE_TYPE(CKA_DECRYPT)),
        (.wrap, CK_ATTRIBUTE_TYPE(CKA_WRAP)),
        (.unwrap, CK_ATTRIBUTE_TYPE(CKA_UNWRAP)),
        (.sign, CK_ATTRIBUTE_TYPE(CKA_SIGN)),
        (.verify, CK_ATTRIBUTE_TYPE(CKA_VERIFY)),
    ]
}
