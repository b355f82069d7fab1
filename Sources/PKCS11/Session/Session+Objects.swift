import CPKCS11

extension Session {
    /// How many handles one `C_FindObjects` call asks for.
    static let findBatchSize = 64

    /// The secret keys (`CKO_SECRET_KEY`) with the given `CKA_LABEL` and `CKA_ID` (either
    /// criterion omitted when nil), via `C_FindObjectsInit` / `C_FindObjects` (in batches) /
    /// `C_FindObjectsFinal`. `C_FindObjectsFinal` is always called once the search started.
    /// `C_FindObjectsInit` is serialised with object creation and destruction (SoftHSM's object
    /// index is not thread-safe).
    public func findSecretKeys(label: String? = nil, id: KeyID? = nil) throws(PKCS11Error) -> [ObjectHandle] {
        var template = AttributeTemplate()
        template.append(CKA_CLASS, .ulong(UInt(CKO_SECRET_KEY)))
        if let label {
            template.append(CKA_LABEL, label)
        }
        if let id {
            template.append(CKA_ID, .bytes(id.bytes))
        }
        return try findObjects(template)
    }

    /// Runs one search and returns every match.
    func findObjects(_ template: AttributeTemplate) throws(PKCS11Error) -> [ObjectHandle] {
        try handle.module.serializingObjectStore { () throws(PKCS11Error) in
            try template.withUnsafeAttributes { (attributes, count) throws(PKCS11Error) in
                try call("C_FindObjectsInit", \.C_FindObjectsInit) { $0($1, attributes, count) }
            }
        }
        let found: Result<[ObjectHandle], PKCS11Error>
        do throws(PKCS11Error) {
            found = .success(try collectFoundObjects())
        } catch {
            found = .failure(error)
        }
        do throws(PKCS11Error) {
            try call("C_FindObjectsFinal", \.C_FindObjectsFinal) { $0($1) }
        } catch {
            // The search's own error matters more than the cleanup's.
            if case .success = found {
                throw error
            }
        }
        return try found.get()
    }

    private func collectFoundObjects() throws(PKCS11Error) -> [ObjectHandle] {
        var handles: [ObjectHandle] = []
        var batch = [CK_OBJECT_HANDLE](repeating: 0, count: Self.findBatchSize)
        while true {
            var count: CK_ULONG = 0
            _ = try batch.withUnsafeMutableBufferPointer { (buffer) throws(PKCS11Error) in
                try call("C_FindObjects", \.C_FindObjects) {
                    $0($1, buffer.baseAddress, CK_ULONG(buffer.count), &count)
                }
            }
            let received = Int(clamping: min(count, CK_ULONG(batch.count)))
            handles.append(contentsOf: batch.prefix(received).map { ObjectHandle(rawValue: UInt($0)) })
            if received < batch.count {
                return handles
            }
        }
    }

    /// An object's `CKA_LABEL` (empty when it has none): one `C_GetAttributeValue`, for
    /// counting objects by label without reading anything else.
    public func label(of object: ObjectHandle) throws(PKCS11Error) -> String {
        let values = try attributeValues(of: object, [CK_ATTRIBUTE_TYPE(CKA_LABEL)])
        return values[CK_ATTRIBUTE_TYPE(CKA_LABEL)].map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Reads a secret key's label, ID, type, length, usage, sensitivity and extractability.
    public func keyInfo(_ key: ObjectHandle) throws(PKCS11Error) -> KeyInfo {
        let types = [CKA_LABEL, CKA_ID, CKA_KEY_TYPE, CKA_VALUE_LEN, CKA_SENSITIVE, CKA_EXTRACTABLE]
            .map { CK_ATTRIBUTE_TYPE($0) } + KeyUsage.attributes.map(\.type)
        let values = try attributeValues(of: key, types)
        func value(_ type: UInt) -> [UInt8]? { values[CK_ATTRIBUTE_TYPE(type)] }

        let type = KeyType(rawValue: value(CKA_KEY_TYPE)?.attributeULong ?? UInt.max)
        var usage: KeyUsage = []
        for (flag, attribute) in KeyUsage.attributes where values[attribute]?.attributeBool == true {
            usage.insert(flag)
        }
        var lengthBytes = value(CKA_VALUE_LEN)?.attributeULong.flatMap { Int(exactly: $0) }
        if lengthBytes == nil {
            switch type {
            case .des: lengthBytes = 8
            case .des3: lengthBytes = 24
            case .aes, .genericSecret, .other: break
            }
        }
        return KeyInfo(
            handle: key,
            label: value(CKA_LABEL).map { String(decoding: $0, as: UTF8.self) } ?? "",
            id: value(CKA_ID).flatMap { KeyID(bytes: $0) },
            type: type,
            lengthBytes: lengthBytes,
            usage: usage,
            sensitive: value(CKA_SENSITIVE)?.attributeBool ?? false,
            extractable: value(CKA_EXTRACTABLE)?.attributeBool ?? false
        )
    }

    /// `C_DestroyObject` (serialised with object creation and searches). Cached handles of the object
    /// become invalid.
    public func destroyObject(_ object: ObjectHandle) throws(PKCS11Error) {
        try handle.module.serializingObjectStore { () throws(PKCS11Error) in
            try call("C_DestroyObject", \.C_DestroyObject) { $0($1, CK_OBJECT_HANDLE(object.rawValue)) }
        }
    }
}

extension Session {
    /// `C_SetAttributeValue` of `CKA_LABEL` (serialised with object creation and searches).
    /// Used to move an object made by an earlier ssm under its current label.
    public func setLabel(of object: ObjectHandle, to label: String) throws(PKCS11Error) {
        var template = AttributeTemplate()
        template.append(CKA_LABEL, label)
        try handle.module.serializingObjectStore { () throws(PKCS11Error) in
            try template.withUnsafeAttributes { (attributes, count) throws(PKCS11Error) in
                try call("C_SetAttributeValue", \.C_SetAttributeValue) {
                    $0($1, CK_OBJECT_HANDLE(object.rawValue), attributes, count)
                }
            }
        }
    }
}
