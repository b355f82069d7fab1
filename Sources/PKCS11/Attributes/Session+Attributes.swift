import CPKCS11

extension Session {
    /// `C_GetAttributeValue` for `types`: a size query, then the values. Attributes the object
    /// does not have or will not reveal (`CKR_ATTRIBUTE_TYPE_INVALID`, `CKR_ATTRIBUTE_SENSITIVE`)
    /// are absent from the result.
    func attributeValues(
        of object: ObjectHandle,
        _ types: [CK_ATTRIBUTE_TYPE]
    ) throws(PKCS11Error) -> [CK_ATTRIBUTE_TYPE: [UInt8]] {
        let tolerated: [ReturnValue] = [.attributeTypeInvalid, .attributeSensitive]
        let objectHandle = CK_OBJECT_HANDLE(object.rawValue)
        var attributes = types.map { CK_ATTRIBUTE(type: $0, pValue: nil, ulValueLen: 0) }
        _ = try attributes.withUnsafeMutableBufferPointer { (buffer) throws(PKCS11Error) in
            try call("C_GetAttributeValue", \.C_GetAttributeValue, accepting: tolerated) {
                $0($1, objectHandle, buffer.baseAddress, CK_ULONG(buffer.count))
            }
        }

        // CK_UNAVAILABLE_INFORMATION, or a length no attribute of a key can have.
        let readable = { (length: CK_ULONG) in length != CK_ULONG.max && length <= 1 << 24 }
        let wordSize = MemoryLayout<UInt>.stride
        var offsets: [Int] = []
        var total = 0
        for attribute in attributes {
            offsets.append(total)
            if readable(attribute.ulValueLen) {
                total += (Int(attribute.ulValueLen) + wordSize - 1) / wordSize * wordSize
            }
        }
        var storage = [UInt](repeating: 0, count: max(total / wordSize, 1))
        return try storage.withUnsafeMutableBufferPointer { (words) throws(PKCS11Error) in
            let raw = UnsafeMutableRawBufferPointer(words)
            var requested: [CK_ATTRIBUTE] = []
            for (attribute, offset) in zip(attributes, offsets) where readable(attribute.ulValueLen) {
                requested.append(
                    CK_ATTRIBUTE(type: attribute.type, pValue: raw.baseAddress?.advanced(by: offset),
                                 ulValueLen: attribute.ulValueLen)
                )
            }
            _ = try requested.withUnsafeMutableBufferPointer { (buffer) throws(PKCS11Error) in
                try call("C_GetAttributeValue", \.C_GetAttributeValue, accepting: tolerated) {
                    $0($1, objectHandle, buffer.baseAddress, CK_ULONG(buffer.count))
                }
            }
            var values: [CK_ATTRIBUTE_TYPE: [UInt8]] = [:]
            let granted = attributes.filter { readable($0.ulValueLen) }.map(\.ulValueLen)
            for (attribute, room) in zip(requested, granted) {
                // A length beyond what was allocated means the module broke the protocol (or
                // the value changed in between): treat the attribute as unavailable.
                guard readable(attribute.ulValueLen), attribute.ulValueLen <= room else { continue }
                guard let pointer = attribute.pValue else {
                    values[attribute.type] = []
                    continue
                }
                values[attribute.type] = Array(UnsafeRawBufferPointer(start: pointer, count: Int(attribute.ulValueLen)))
            }
            return values
        }
    }
}

extension [UInt8] {
    /// Decodes a `CK_BBOOL` attribute value.
    var attributeBool: Bool? {
        count == MemoryLayout<CK_BBOOL>.size ? self[0] != 0 : nil
    }

    /// Decodes a `CK_ULONG` attribute value.
    var attributeULong: UInt? {
        guard count == MemoryLayout<CK_ULONG>.size else {
            return nil
        }
        return UInt(withUnsafeBytes { $0.loadUnaligned(as: CK_ULONG.self) })
    }
}
