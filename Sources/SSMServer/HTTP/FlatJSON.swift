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
    static var flatFields: [String] { get }
    /// The value from the members' values (in ``flatFields`` order, nil when absent); nil when
    /// one is missing or of the wrong type, so that `JSONDecoder` reports the problem.
    init?(flatValues: [FlatJSONValue?])
}

/// A strict reader of flat JSON objects, for request bodies.
///
/// Safe code only: the body's bytes are read through a bounds-checked `Span` (the bodies
/// are attacker-controlled). Differential tests compare it with `JSONDecoder` on generated
/// bodies (`WireCodingDifferentialTests`).
///
/// It accepts only a subset of JSON — one object; members whose values are strings without
/// escape sequences (valid UTF-8, no control characters) or integers without fraction or
/// exponent; no repeated member — and answers nil for anything else. A caller then decodes
/// the body with `JSONDecoder`, so every body the reader accepts decodes to the same value
/// as with `JSONDecoder`, and every other body gets `JSONDecoder`'s result and errors.
enum FlatJSON {
    /// The values of `fields` in the object in `buffer`, or nil when the body is not of the
    /// simple shape (or repeats a member).
    static func read(_ buffer: ByteBuffer, fields: [String]) -> [FlatJSONValue?]? {
        var reader = Reader()
        return reader.object(buffer.readableBytesUInt8Span, fields: fields)
    }

    /// The reader's position; the bytes (a `Span`, bounds-checked) are passed to each step.
    private struct Reader {
        var index = 0

        mutating func object(_ bytes: Span<UInt8>, fields: [String]) -> [FlatJSONValue?]? {
            var values = [FlatJSONValue?](repeating: nil, count: fields.count)
            skipSpace(bytes)
            guard take(UInt8(ascii: "{"), bytes) else { return nil }
            skipSpace(bytes)
            if take(UInt8(ascii: "}"), bytes) { return end(bytes) ? values : nil }
            while true {
                guard take(UInt8(ascii: "\""), bytes), let key = stringRange(bytes) else { return nil }
                skipSpace(bytes)
                guard take(UInt8(ascii: ":"), bytes) else { return nil }
                skipSpace(bytes)
                guard let value = value(bytes) else { return nil }
                let name = bytes.extracting(key)
                if let field = Self.field(named: name, in: fields) {
                    guard values[field] == nil else { return nil }  // repeated member
                    values[field] = value
                } else if (try? UTF8Span(validating: name)) == nil {
                    return nil
                }
                skipSpace(bytes)
                if take(UInt8(ascii: ","), bytes) {
                    skipSpace(bytes)
                    continue
                }
                guard take(UInt8(ascii: "}"), bytes) else { return nil }
                return end(bytes) ? values : nil
            }
        }

        private mutating func value(_ bytes: Span<UInt8>) -> FlatJSONValue? {
            guard index < bytes.count else { return nil }
            if take(UInt8(ascii: "\""), bytes) {
                guard let range = stringRange(bytes), let text = try? UTF8Span(validating: bytes.extracting(range)) else {
                    return nil
                }
                return .string(String(copying: text))
            }
            return integer(bytes).map(FlatJSONValue.integer)
        }

        /// The range of the bytes up to the closing quote (consumed); nil at an escape, a
        /// control character or the end.
        private mutating func stringRange(_ bytes: Span<UInt8>) -> Range<Int>? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return start..<(index - 1)
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// `-?(0|[1-9][0-9]*)` not followed by a fraction or exponent, within `Int`.
        private mutating func integer(_ bytes: Span<UInt8>) -> Int? {
            let negative = take(UInt8(ascii: "-"), bytes)
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

        private mutating func end(_ bytes: Span<UInt8>) -> Bool {
            skipSpace(bytes)
            return index == bytes.count
        }

        private mutating func take(_ byte: UInt8, _ bytes: Span<UInt8>) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace(_ bytes: Span<UInt8>) {
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

        /// The index in `fields` of the member name `name`.
        private static func field(named name: Span<UInt8>, in fields: [String]) -> Int? {
            for index in fields.indices where equal(name, fields[index]) { return index }
            return nil
        }

        private static func equal(_ bytes: Span<UInt8>, _ name: String) -> Bool {
            let name = name.utf8.span
            guard bytes.count == name.count else { return false }
            for index in name.indices where bytes[index] != name[index] { return false }
            return true
        }
    }
}
