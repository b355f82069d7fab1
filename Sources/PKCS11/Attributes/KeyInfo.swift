/// What the token says about a secret key (read with `C_GetAttributeValue`).
public struct KeyInfo: Sendable, Hashable {
    /// The key's handle.
    public var handle: ObjectHandle
    /// `CKA_LABEL` (empty when absent).
    public var label: String
    /// `CKA_ID`, nil when absent or not 4 bytes.
    public var id: KeyID?
    /// `CKA_KEY_TYPE`.
    public var type: KeyType
    /// `CKA_VALUE_LEN`; for DES 8 and DES3 24 when the token omits it; nil when unknown.
    public var lengthBytes: Int?
    /// The usage attributes that are true.
    public var usage: KeyUsage
    /// `CKA_SENSITIVE`.
    public var sensitive: Bool
    /// `CKA_EXTRACTABLE`.
    public var extractable: Bool

    /// Creates key information (for tests and fakes).
    public init(
        handle: ObjectHandle,
        label: String,
        id: KeyID?,
        type: KeyType,
        lengthBytes: Int?,
        usage: KeyUsage,
        sensitive: Bool,
        extractable: Bool
    ) {
        self.handle = handle
        self.label = label
        self.id = id
        self.type = type
        self.lengthBytes = lengthBytes
        self.usage = usage
        self.sensitive = sensitive
        self.extractable = extractable
    }

    /// The key length in bits (`lengthBytes * 8`; DES3 counts 192 including parity bits).
    public var bits: Int? {
        lengthBytes.map { $0 * 8 }
    }
}
