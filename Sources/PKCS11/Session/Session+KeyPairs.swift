import CPKCS11

extension Session {
    /// `C_GenerateKeyPair`: a token key pair with `label` and `id` on both halves. The private
    /// key is private, sensitive, not extractable and may only sign (`CKA_SIGN`); the public key
    /// may only verify. EC P-256 uses `CKM_EC_KEY_PAIR_GEN`; RSA `CKM_RSA_PKCS_KEY_PAIR_GEN`
    /// with public exponent 65537. Serialised with object creation like ``generateKey(_:label:id:usage:)``.
    public func generateKeyPair(_ type: KeyPairType, label: String, id: KeyID) throws(PKCS11Error) -> KeyPairHandles {
        try type.validate()
        var publicTemplate = AttributeTemplate()
        var privateTemplate = AttributeTemplate()
        let mechanismType: CK_MECHANISM_TYPE
        switch type {
        case .ecP256, .ecP384:
            mechanismType = CK_MECHANISM_TYPE(CKM_EC_KEY_PAIR_GEN)
            publicTemplate.append(CKA_KEY_TYPE, .ulong(UInt(CKK_EC)))
            publicTemplate.append(
                CKA_EC_PARAMS, .bytes(type == .ecP256 ? KeyPairType.prime256v1OID : KeyPairType.secp384r1OID))
            privateTemplate.append(CKA_KEY_TYPE, .ulong(UInt(CKK_EC)))
        case .rsa(let bits):
            mechanismType = CK_MECHANISM_TYPE(CKM_RSA_PKCS_KEY_PAIR_GEN)
            publicTemplate.append(CKA_KEY_TYPE, .ulong(UInt(CKK_RSA)))
            publicTemplate.append(CKA_MODULUS_BITS, .ulong(UInt(bits)))
            publicTemplate.append(CKA_PUBLIC_EXPONENT, .bytes([0x01, 0x00, 0x01]))
            privateTemplate.append(CKA_KEY_TYPE, .ulong(UInt(CKK_RSA)))
        }
        publicTemplate.append(CKA_CLASS, .ulong(UInt(CKO_PUBLIC_KEY)))
        publicTemplate.append(CKA_TOKEN, .bool(true))
        publicTemplate.append(CKA_PRIVATE, .bool(false))
        publicTemplate.append(CKA_LABEL, label)
        publicTemplate.append(CKA_ID, .bytes(id.bytes))
        publicTemplate.append(CKA_VERIFY, .bool(true))
        publicTemplate.append(CKA_ENCRYPT, .bool(false))
        publicTemplate.append(CKA_WRAP, .bool(false))

        privateTemplate.append(CKA_CLASS, .ulong(UInt(CKO_PRIVATE_KEY)))
        privateTemplate.append(CKA_TOKEN, .bool(true))
        privateTemplate.append(CKA_PRIVATE, .bool(true))
        privateTemplate.append(CKA_SENSITIVE, .bool(true))
        privateTemplate.append(CKA_EXTRACTABLE, .bool(false))
        privateTemplate.append(CKA_LABEL, label)
        privateTemplate.append(CKA_ID, .bytes(id.bytes))
        privateTemplate.append(CKA_SIGN, .bool(true))
        privateTemplate.append(CKA_DECRYPT, .bool(false))
        privateTemplate.append(CKA_UNWRAP, .bool(false))

        var mechanism = CK_MECHANISM(mechanism: mechanismType, pParameter: nil, ulParameterLen: 0)
        var publicKey: CK_OBJECT_HANDLE = 0
        var privateKey: CK_OBJECT_HANDLE = 0
        try handle.module.serializingObjectStore { () throws(PKCS11Error) in
            try publicTemplate.withUnsafeAttributes { (publicAttributes, publicCount) throws(PKCS11Error) in
                try privateTemplate.withUnsafeAttributes { (privateAttributes, privateCount) throws(PKCS11Error) in
                    try call("C_GenerateKeyPair", \.C_GenerateKeyPair) {
                        $0($1, &mechanism, publicAttributes, publicCount, privateAttributes, privateCount,
                           &publicKey, &privateKey)
                    }
                }
            }
        }
        return KeyPairHandles(
            publicKey: ObjectHandle(rawValue: UInt(publicKey)),
            privateKey: ObjectHandle(rawValue: UInt(privateKey))
        )
    }

    /// Reads a public key's value: `CKA_EC_POINT` (its DER OCTET STRING unwrapped) and
    /// `CKA_EC_PARAMS` for EC keys, `CKA_MODULUS` and `CKA_PUBLIC_EXPONENT` for RSA keys.
    /// Throws ``PKCS11Error/Kind/invalidArgument(_:)`` for other key types.
    public func publicKeyValue(_ key: ObjectHandle) throws(PKCS11Error) -> PublicKeyValue {
        let types = [CKA_KEY_TYPE, CKA_EC_POINT, CKA_EC_PARAMS, CKA_MODULUS, CKA_PUBLIC_EXPONENT]
            .map { CK_ATTRIBUTE_TYPE($0) }
        let values = try attributeValues(of: key, types)
        func value(_ type: UInt) -> [UInt8]? { values[CK_ATTRIBUTE_TYPE(type)] }
        switch value(CKA_KEY_TYPE)?.attributeULong {
        case UInt(CKK_EC):
            guard let encoded = value(CKA_EC_POINT), let parameters = value(CKA_EC_PARAMS) else {
                throw PKCS11Error.invalidArgument("the EC key has no readable CKA_EC_POINT/CKA_EC_PARAMS")
            }
            // PKCS#11 says DER OCTET STRING; some modules store the raw point.
            let point = DER.octetStringContent(encoded) ?? encoded
            return .ec(point: point, parameters: parameters)
        case UInt(CKK_RSA):
            guard let modulus = value(CKA_MODULUS), let exponent = value(CKA_PUBLIC_EXPONENT) else {
                throw PKCS11Error.invalidArgument("the RSA key has no readable CKA_MODULUS/CKA_PUBLIC_EXPONENT")
            }
            return .rsa(modulus: modulus, exponent: exponent)
        default:
            throw PKCS11Error.invalidArgument("not an EC or RSA public key")
        }
    }

    /// The objects of `objectClass` with the given `CKA_LABEL` and `CKA_ID` (either criterion
    /// omitted when nil); see ``findSecretKeys(label:id:)``.
    public func findObjects(_ objectClass: ObjectClass, label: String? = nil, id: KeyID? = nil) throws(PKCS11Error) -> [ObjectHandle] {
        var template = AttributeTemplate()
        template.append(CKA_CLASS, .ulong(objectClass.rawValue))
        if let label {
            template.append(CKA_LABEL, label)
        }
        if let id {
            template.append(CKA_ID, .bytes(id.bytes))
        }
        return try findObjects(template)
    }
}

extension ObjectClass {
    /// The `CKO_*` value.
    var rawValue: UInt {
        switch self {
        case .data: UInt(CKO_DATA)
        case .publicKey: UInt(CKO_PUBLIC_KEY)
        case .privateKey: UInt(CKO_PRIVATE_KEY)
        case .secretKey: UInt(CKO_SECRET_KEY)
        }
    }
}
