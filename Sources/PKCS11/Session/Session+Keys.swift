import CPKCS11

extension Session {
    /// `C_GenerateKey`: a token key with SSM's template (private, sensitive, not extractable,
    /// `CKA_LABEL`, `CKA_ID` as 4 bytes big-endian, each usage attribute set explicitly).
    /// AES uses `CKM_AES_KEY_GEN` with `CKA_VALUE_LEN`; DES and DES3 their own generators.
    /// Object creation, destruction and searches are serialised per module (SoftHSM fails
    /// spuriously otherwise); concurrent crypto operations are not affected.
    public func generateKey(
        _ type: SecretKeyType,
        label: String,
        id: KeyID,
        usage: KeyUsage = .symmetricDefault
    ) throws(PKCS11Error) -> ObjectHandle {
        try type.validate()
        var template = Self.keyTemplate(type, label: label, id: id, usage: usage)
        if case .aes = type {
            template.append(CKA_VALUE_LEN, .ulong(UInt(type.lengthBytes)))
        }
        var mechanism = CK_MECHANISM(mechanism: type.generationMechanism, pParameter: nil, ulParameterLen: 0)
        var key: CK_OBJECT_HANDLE = 0
        try handle.module.serializingObjectStore { () throws(PKCS11Error) in
            try template.withUnsafeAttributes { (attributes, count) throws(PKCS11Error) in
                try call("C_GenerateKey", \.C_GenerateKey) { $0($1, &mechanism, attributes, count, &key) }
            }
        }
        return ObjectHandle(rawValue: UInt(key))
    }

    /// `C_CreateObject`: imports a key value with SSM's template (see
    /// ``generateKey(_:label:id:usage:)``). The value's length must match the type (AES 16/24/32,
    /// DES 8, DES3 24 bytes), else ``PKCS11Error/Kind/invalidArgument(_:)``. The template's
    /// copy of the value is zeroed after the call.
    public func importKey(
        _ type: SecretKeyType,
        value: [UInt8],
        label: String,
        id: KeyID,
        usage: KeyUsage = .symmetricDefault
    ) throws(PKCS11Error) -> ObjectHandle {
        try type.validate()
        guard value.count == type.lengthBytes else {
            throw PKCS11Error.invalidArgument(
                "a \(type) key value has \(type.lengthBytes) bytes, not \(value.count)"
            )
        }
        var template = Self.keyTemplate(type, label: label, id: id, usage: usage)
        template.append(CKA_VALUE, .bytes(value))
        var key: CK_OBJECT_HANDLE = 0
        try handle.module.serializingObjectStore { () throws(PKCS11Error) in
            try template.withUnsafeAttributes { (attributes, count) throws(PKCS11Error) in
                try call("C_CreateObject", \.C_CreateObject) { $0($1, attributes, count, &key) }
            }
        }
        return ObjectHandle(rawValue: UInt(key))
    }

    /// SSM's secret key template, without `CKA_VALUE`/`CKA_VALUE_LEN`.
    static func keyTemplate(_ type: SecretKeyType, label: String, id: KeyID, usage: KeyUsage) -> AttributeTemplate {
        secretKeyTemplate(keyType: type.keyType.rawValue, label: label, id: id, usage: usage)
    }

    /// A token secret key (`CKK_*` `keyType`): private, sensitive, not extractable, labelled,
    /// with exactly the usages of `usage`.
    static func secretKeyTemplate(keyType: UInt, label: String, id: KeyID, usage: KeyUsage) -> AttributeTemplate {
        var template = AttributeTemplate()
        template.append(CKA_CLASS, .ulong(UInt(CKO_SECRET_KEY)))
        template.append(CKA_KEY_TYPE, .ulong(keyType))
        template.append(CKA_TOKEN, .bool(true))
        template.append(CKA_PRIVATE, .bool(true))
        template.append(CKA_SENSITIVE, .bool(true))
        template.append(CKA_EXTRACTABLE, .bool(false))
        template.append(CKA_LABEL, label)
        template.append(CKA_ID, .bytes(id.bytes))
        for (flag, attribute) in KeyUsage.attributes {
            template.append(attribute, .bool(usage.contains(flag)))
        }
        return template
    }
}
