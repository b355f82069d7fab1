import NIOCore

/// A value of a flat JSON object: a string without escape sequences, or an integer.
enum FlatJSONValue {
    case string(String)
    case integer(Int)

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }
}

/// A request body that can also be read by ``FlatJSON``, the fast path for the common shape:
/// one object whose members are strings without escapes and integers.
protocol FlatJSONDecodable: Decodable {
    /// The member names the type reads.
    static var flatFields: [StaticString] { get }
    /// The value from the members' values (in ``flatFields`` order, nil when absent); nil when
    /// one is missing or of the wrong type, so that `JSONDecoder` reports the problem.
    init?(flatValues: [FlatJSONValue?])
}

/// A strict reader of flat JSON objects, for request bodies.
///
/// It accepts only a subset of JSON — one object; members whose values are strings without
/// escape sequences (valid UTF-8, no control characters) or integers without fraction or
/// exponent; no repeated member — and answers nil for anything else. A caller then decodes
/// the body with `JSONDecoder`, so every body the reader accepts decodes to the same value
/// as with `JSONDecoder`, and every other body gets `JSONDecoder`'s result and errors.
enum FlatJSON {
    /// The values of `fields` in the object in `buffer`, or nil when the body is not of the
    /// simple shape (or repeats a member).
    static func read(_ buffer: ByteBuffer, fields: [StaticString]) -> [FlatJSONValue?]? {
        buffer.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes)
            return reader.object(fields: fields)
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        mutating func object(fields: [StaticString]) -> [FlatJSONValue?]? {
            var values = [FlatJSONValue?](repeating: nil, count: fields.count)
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            skipSpace()
            if take(UInt8(ascii: "}")) { return end() ? values : nil }
            while true {
                guard take(UInt8(ascii: "\"")), let key = stringBytes() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = value() else { return nil }
                if let field = fields.firstIndex(where: { Self.equal(key, $0) }) {
                    guard values[field] == nil else { return nil }  // repeated member
                    values[field] = value
                } else if String(validating: key, as: UTF8.self) == nil {
                    return nil
                }
                skipSpace()
                if take(UInt8(ascii: ",")) {
                    skipSpace()
                    continue
                }
                guard take(UInt8(ascii: "}")) else { return nil }
                return end() ? values : nil
            }
        }

        private mutating func value() -> FlatJSONValue? {
            guard index < bytes.count else { return nil }
            if take(UInt8(ascii: "\"")) {
                guard let raw = stringBytes(), let string = String(validating: raw, as: UTF8.self) else { return nil }
                return .string(string)
            }
            return integer().map(FlatJSONValue.integer)
        }

        /// The bytes up to the closing quote (consumed); nil at an escape, a control character or the end.
        private mutating func stringBytes() -> UnsafeRawBufferPointer? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)])
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// `-?(0|[1-9][0-9]*)` not followed by a fraction or exponent, within `Int`.
        private mutating func integer() -> Int? {
            let negative = take(UInt8(ascii: "-"))
            let start = index
            var value = 0
            while index < bytes.count, let digit = Self.digit(bytes[index]) {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                guard !overflow1 && !overflow2 else { return nil }
                value = next
                index += 1
            }
            let count = index - start
            guard count > 0, !(count > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
            if index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
                default: break
                }
            }
            return value
        }

        private mutating func end() -> Bool {
            skipSpace()
            return index == bytes.count
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0a, 0x0d: index += 1
                default: return
                }
            }
        }

        private static func digit(_ byte: UInt8) -> Int? {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
        }

        private static func equal(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
            guard bytes.count == name.utf8CodeUnitCount else { return false }
            return name.withUTF8Buffer { $0.elementsEqual(bytes) }
        }
    }
}
