import NIOCore

/// Lower-case hex coding of the wire format's binary fields.
///
/// Safe code only (`Span`, `OutputSpan`, `OutputRawSpan`): the decoder reads what clients
/// send. docs/performance.md ("Wire coding without unsafe pointers") has its speed against
/// the earlier pointer version.
enum Hex {
    /// The lower-case hex digit of `nibble` (0...15).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
    }

    /// Encodes bytes as lower-case hex.
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = [UInt8](capacity: bytes.count * 2) { (output: inout OutputSpan<UInt8>) in
            let input = bytes.span
            for index in input.indices {
                output.append(digit(input[index] >> 4))
                output.append(digit(input[index] & 0x0f))
            }
        }
        return String(decoding: digits, as: Unicode.ASCII.self)
    }

    /// Appends the lower-case hex of `bytes` to `buffer`, without an intermediate string.
    static func write(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        guard !bytes.isEmpty else { return }
        buffer.writeWithOutputRawSpan(minimumWritableBytes: bytes.count * 2) { output in
            let input = bytes.span
            for index in input.indices {
                output.append(digit(input[index] >> 4), as: UInt8.self)
                output.append(digit(input[index] & 0x0f), as: UInt8.self)
            }
        }
    }

    /// Decodes hex (either case); nil when the length is odd or a character is not a hex digit.
    static func decode(_ string: String) -> [UInt8]? {
        decode(string.utf8.span)
    }

    /// Decodes hex digits (either case); nil when the count is odd or one is not a hex digit.
    private static func decode(_ chars: Span<UInt8>) -> [UInt8]? {
        guard chars.count % 2 == 0 else { return nil }
        var valid = true
        let bytes = [UInt8](capacity: chars.count / 2) { (output: inout OutputSpan<UInt8>) in
            var index = 0
            while index < chars.count {
                guard let high = value(chars[index]), let low = value(chars[index &+ 1]) else {
                    valid = false
                    return
                }
                output.append(high << 4 | low)
                index &+= 2
            }
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
