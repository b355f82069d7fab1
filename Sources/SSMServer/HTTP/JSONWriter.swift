import NIOCore

/// Writes one flat JSON object straight into a `ByteBuffer`, byte for byte as `JSONEncoder`
/// with `.sortedKeys` and `.withoutEscapingSlashes` would: the hot routes' answers skip the
/// encoder's generic machinery (a measurable share of a request; see docs/performance.md).
///
/// Fields must be written in sorted key order; tests compare the output with `JSONEncoder`'s.
struct JSONWriter {
    private(set) var buffer: ByteBuffer
    private var first = true

    /// Starts an object in a buffer of `capacity` bytes (it grows if needed).
    init(capacity: Int = 256) {
        buffer = ByteBuffer()
        buffer.reserveCapacity(capacity)
        buffer.writeInteger(UInt8(ascii: "{"))
    }

    /// `"key":"value"`, escaped as `JSONEncoder` does.
    mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        writeString(value)
    }

    /// `"key":value`.
    mutating func field(_ key: StaticString, _ value: some BinaryInteger) {
        self.key(key)
        buffer.writeString(String(value))
    }

    /// `"key":true` or `"key":false`.
    mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        buffer.writeStaticString(value ? "true" : "false")
    }

    /// `"key":"<lower-case hex of bytes>"`, without an intermediate `String`.
    mutating func hexField(_ key: StaticString, _ bytes: [UInt8]) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "\""))
        Hex.write(bytes, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// `"key":null`.
    mutating func null(_ key: StaticString) {
        self.key(key)
        buffer.writeStaticString("null")
    }

    /// `"key":{...}`, the nested object's fields written by `body`.
    mutating func object(_ key: StaticString, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        nested(body)
    }

    /// `"key":[{...},...]`, one object per element, its fields written by `body`.
    mutating func array<Element>(_ key: StaticString, _ elements: some Sequence<Element>, _ body: (inout JSONWriter, Element) -> Void) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "["))
        var firstElement = true
        for element in elements {
            if !firstElement { buffer.writeInteger(UInt8(ascii: ",")) }
            firstElement = false
            nested { body(&$0, element) }
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    /// `"key":["value",...]`.
    mutating func field(_ key: StaticString, strings: [String]) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "["))
        for (index, value) in strings.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            writeString(value)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    /// `"key":<json>`, `json` being already-encoded JSON.
    mutating func raw(_ key: StaticString, json: some Sequence<UInt8>) {
        self.key(key)
        buffer.writeBytes(json)
    }

    /// `"key":"value"` for a key known only at run time.
    mutating func field(name: String, _ value: String) {
        if !first { buffer.writeInteger(UInt8(ascii: ",")) }
        first = false
        writeString(name)
        buffer.writeInteger(UInt8(ascii: ":"))
        writeString(value)
    }

    private mutating func nested(_ body: (inout JSONWriter) -> Void) {
        buffer.writeInteger(UInt8(ascii: "{"))
        first = true
        body(&self)
        buffer.writeInteger(UInt8(ascii: "}"))
        first = false
    }

    /// Closes the object and returns the buffer.
    consuming func finish() -> ByteBuffer {
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    private mutating func key(_ key: StaticString) {
        if !first { buffer.writeInteger(UInt8(ascii: ",")) }
        first = false
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(key)
        buffer.writeStaticString("\":")
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00XX`,
    /// everything else (including `/` and non-ASCII) as is.
    private mutating func writeString(_ value: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        let bytes = value.utf8.span
        var start = 0
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            buffer.writeBytes(bytes.bytes.extracting(start..<index))
            start = index + 1
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case 0x08: buffer.writeStaticString("\\b")
            case 0x0c: buffer.writeStaticString("\\f")
            case 0x0a: buffer.writeStaticString("\\n")
            case 0x0d: buffer.writeStaticString("\\r")
            case 0x09: buffer.writeStaticString("\\t")
            default:
                buffer.writeStaticString("\\u00")
                buffer.writeInteger(Hex.digit(byte >> 4))
                buffer.writeInteger(Hex.digit(byte & 0x0f))
            }
        }
        buffer.writeBytes(bytes.bytes.extracting(start..<bytes.count))
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}

/// A response body written with ``JSONWriter`` (the models of the hot routes).
protocol JSONWritable: Encodable {
    /// Writes the object, fields in sorted key order.
    func write(to writer: inout JSONWriter)
}
