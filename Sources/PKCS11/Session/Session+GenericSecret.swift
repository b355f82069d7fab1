import CPKCS11

extension Session {
    /// `C_GenerateKey` with `CKM_GENERIC_SECRET_KEY_GEN`: a token HMAC key of `lengthBytes`
    /// bytes (`CKA_VALUE_LEN`), private, sensitive, not extractable, with `CKA_SIGN` and
    /// `CKA_VERIFY` (the other usages off), `CKA_LABEL` and `CKA_ID`. SoftHSM refuses HMAC keys
    /// shorter than the digest (`CKR_KEY_SIZE_RANGE` at `C_SignInit`): use 32/48/64 bytes.
    public func generateGenericSecret(lengthBytes: Int, label: String, id: KeyID) throws(PKCS11Error) -> ObjectHandle {
        guard (16...512).contains(lengthBytes) else {
            throw PKCS11Error.invalidArgument("generic secret keys have 16…512 bytes, not \(lengthBytes)")
        }
        var template = Self.secretKeyTemplate(
            keyType: UInt(CKK_GENERIC_SECRET), label: label, id: id, usage: [.sign, .verify])
        template.append(CKA_VALUE_LEN, .ulong(UInt(lengthBytes)))
        var mechanism = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_GENERIC_SECRET_KEY_GEN), pParameter: nil, ulParameterLen: 0)
        var key: CK_OBJECT_HANDLE = 0
        try handle.module.serializingObjectStore { () throws(PKCS11Error) in
            try template.withUnsafeAttributes { (attributes, count) throws(PKCS11Error) in
                try call("C_GenerateKey", \.C_GenerateKey) { $0($1, &mechanism, attributes, count, &key) }
            }
        }
        return ObjectHandle(rawValue: UInt(key))
    }
}
