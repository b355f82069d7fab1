import NIOCore

/// Lower-case hex coding of the wire format's binary fields.
enum Hex {
    /// The lower-case hex digit of `nibble` (0...15).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
    }

    /// Encodes bytes as lower-case hex.
    static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            bytes.withUnsafeBufferPointer { encode($0, into: UnsafeMutableRawBufferPointer(buffer)) }
        }
    }

    /// Appends the lower-case hex of `bytes` to `buffer`, without an intermediate string.
    static func write(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        guard !bytes.isEmpty else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count * 2) { output in
            bytes.withUnsafeBufferPointer { encode($0, into: output) }
        }
    }

    /// Writes `2 * bytes.count` hex digits at the start of `output`; returns their count.
    private static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer) -> Int {
        precondition(output.count >= bytes.count * 2)
        var index = 0
        for byte in bytes {
            output[index] = digit(byte >> 4)
            output[index &+ 1] = digit(byte & 0x0f)
            index &+= 2
        }
        return index
    }

    /// Decodes hex (either case); nil when the length is odd or a character is not a hex digit.
    static func decode(_ string: String) -> [UInt8]? {
        var utf8 = string.utf8
        if let bytes = utf8.withContiguousStorageIfAvailable({ decode($0) }) {
            return bytes
        }
        var copy = string
        copy.makeContiguousUTF8()
        utf8 = copy.utf8
        return utf8.withContiguousStorageIfAvailable { decode($0) } ?? nil
    }

    private static func decode(_ chars: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard chars.count % 2 == 0 else { return nil }
        let count = chars.count / 2
        var valid = true
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            var index = 0
            while index < count {
                guard let high = value(chars[2 &* index]), let low = value(chars[2 &* index &+ 1]) else {
                    valid = false
                    break
                }
                output[index] = high << 4 | low
                index &+= 1
            }
            // Bytes decoded before a bad digit are initialised; the rest is never read.
            initialized = index
        }
        return valid ? bytes : nil
    }

    @inline(__always)
    private static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
