/// Decodes a fixed-width, blank-padded PKCS#11 text field (a C `unsigned char[N]`, imported
/// as a tuple): stops at the first NUL, drops trailing spaces, decodes UTF-8 leniently.
func paddedString<Field>(_ field: Field) -> String {
    withUnsafeBytes(of: field) { bytes in
        var end = bytes.firstIndex(of: 0) ?? bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: " ") {
            end -= 1
        }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
