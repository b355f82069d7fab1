import SSMCore

/// New request ids: random (version 4) UUIDs in lower case, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
///
/// The random bits come from the system CSPRNG like `UUID()`'s, but through ``RandomBytes``
/// (fetched 4 KiB at a time rather than with system calls per request, a visible share of a
/// request's time), and the text is formatted directly in lower case.
enum RequestIDGenerator {
    /// A new random UUID, lower case.
    static func next() -> String {
        var bytes = RandomBytes.next(16)
        bytes[6] = bytes[6] & 0x0f | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3f | 0x80  // RFC 4122 variant
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (position, byte) in bytes.enumerated() {
            if position == 4 || position == 6 || position == 8 || position == 10 { text.append(UInt8(ascii: "-")) }
            text.append(Hex.digit(byte >> 4))
            text.append(Hex.digit(byte & 0x0f))
        }
        return String(decoding: text, as: UTF8.self)
    }
}
