import CPKCS11

/// An attribute template to pass to `C_CreateObject`, `C_GenerateKey` or `C_FindObjectsInit`.
///
/// Values are laid out in one word-aligned buffer that lives exactly as long as the C call
/// and is zeroed afterwards (templates can carry `CKA_VALUE`).
struct AttributeTemplate {
    enum Value {
        case bool(Bool)
        case ulong(UInt)
        case bytes([UInt8])

        var byteCount: Int {
            switch self {
            case .bool: MemoryLayout<CK_BBOOL>.size
            case .ulong: MemoryLayout<CK_ULONG>.size
            case .bytes(let bytes): bytes.count
            }
        }
    }

    private(set) var entries: [(type: CK_ATTRIBUTE_TYPE, value: Value)] = []

    /// Adds an attribute. `type` is a `CKA_*` constant.
    mutating func append(_ type: some BinaryInteger, _ value: Value) {
        entries.append((CK_ATTRIBUTE_TYPE(type), value))
    }

    /// Adds a text attribute (UTF-8, no terminator).
    mutating func append(_ type: some BinaryInteger, _ text: String) {
        append(type, .bytes(Array(text.utf8)))
    }

    /// Lends the template as a `CK_ATTRIBUTE` array for the duration of `body`.
    @discardableResult
    func withUnsafeAttributes<Result>(
        _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>?, CK_ULONG) throws(PKCS11Error) -> Result
    ) throws(PKCS11Error) -> Result {
        let wordSize = MemoryLayout<UInt>.stride
        var offsets: [Int] = []
        var total = 0
        for entry in entries {
            offsets.append(total)
            total += (entry.value.byteCount + wordSize - 1) / wordSize * wordSize
        }
        var storage = [UInt](repeating: 0, count: max(total / wordSize, 1))
        defer {
            storage.withUnsafeMutableBufferPointer { secureZero(UnsafeMutableRawBufferPointer($0)) }
        }
        return try storage.withUnsafeMutableBufferPointer { (words) throws(PKCS11Error) -> Result in
            let raw = UnsafeMutableRawBufferPointer(words)
            var attributes: [CK_ATTRIBUTE] = []
            attributes.reserveCapacity(entries.count)
            for (entry, offset) in zip(entries, offsets) {
                let slot = UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + entry.value.byteCount)])
                switch entry.value {
                case .bool(let value):
                    slot.storeBytes(of: CK_BBOOL(value ? CK_TRUE : CK_FALSE), as: CK_BBOOL.self)
                case .ulong(let value):
                    slot.storeBytes(of: CK_ULONG(value), as: CK_ULONG.self)
                case .bytes(let bytes):
                    bytes.withUnsafeBytes { slot.copyMemory(from: $0) }
                }
                attributes.append(
                    CK_ATTRIBUTE(
                        type: entry.type,
                        pValue: slot.baseAddress,
                        ulValueLen: CK_ULONG(entry.value.byteCount)
                    )
                )
            }
            return try attributes.withUnsafeMutableBufferPointer { (buffer) throws(PKCS11Error) -> Result in
                try body(buffer.baseAddress, CK_ULONG(buffer.count))
            }
        }
    }
}
