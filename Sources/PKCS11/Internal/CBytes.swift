import CPKCS11

/// Lends `bytes` to a C function as `(unsigned char *, CK_ULONG)` for the duration of `body`.
///
/// The pointer is never nil, even for an empty array (some modules reject a NULL input of
/// length zero), and the C side must treat it as read-only (PKCS#11 prototypes lack `const`).
@discardableResult
func withCBytes<Result>(
    _ bytes: [UInt8],
    _ body: (UnsafeMutablePointer<UInt8>, CK_ULONG) throws(PKCS11Error) -> Result
) throws(PKCS11Error) -> Result {
    try bytes.withUnsafeBufferPointer { (buffer) throws(PKCS11Error) -> Result in
        if let base = buffer.baseAddress, buffer.count > 0 {
            return try body(UnsafeMutablePointer(mutating: base), CK_ULONG(buffer.count))
        }
        var empty: UInt8 = 0
        return try withUnsafeMutablePointer(to: &empty) { (pointer) throws(PKCS11Error) -> Result in
            try body(pointer, 0)
        }
    }
}
