import CPKCS11

extension Session {
    /// Single-part signing: `C_SignInit` + `C_Sign` (a size query, then the call). The key is
    /// a private key (ECDSA, RSA) or a generic secret key (HMAC). ``SignatureMechanism/ecdsa``
    /// answers raw `r ‖ s`.
    public func sign(_ mechanism: SignatureMechanism, key: ObjectHandle, data: [UInt8]) throws(PKCS11Error) -> [UInt8] {
        try mechanism.validate()
        return try mechanism.withUnsafeMechanism { (mechanism) throws(PKCS11Error) in
            try call("C_SignInit", \.C_SignInit) { $0($1, mechanism, CK_OBJECT_HANDLE(key.rawValue)) }
            return try singlePart("C_Sign", \.C_Sign, input: data)
        }
    }

    /// Single-part verification: `C_VerifyInit` + `C_Verify`. A signature that does not match
    /// (`CKR_SIGNATURE_INVALID`) or has the wrong length (`CKR_SIGNATURE_LEN_RANGE`) answers
    /// `false`; other failures throw. The key is a public key or a generic secret key (HMAC).
    public func verify(
        _ mechanism: SignatureMechanism,
        key: ObjectHandle,
        data: [UInt8],
        signature: [UInt8]
    ) throws(PKCS11Error) -> Bool {
        try mechanism.validate()
        return try mechanism.withUnsafeMechanism { (mechanism) throws(PKCS11Error) -> Bool in
            try call("C_VerifyInit", \.C_VerifyInit) { $0($1, mechanism, CK_OBJECT_HANDLE(key.rawValue)) }
            return try withCBytes(data) { (data, dataLength) throws(PKCS11Error) -> Bool in
                try withCBytes(signature) { (signature, signatureLength) throws(PKCS11Error) -> Bool in
                    let result = try call("C_Verify", \.C_Verify, accepting: [.signatureInvalid, .signatureLenRange]) {
                        $0($1, data, dataLength, signature, signatureLength)
                    }
                    return result == .ok
                }
            }
        }
    }
}
