import Logging

/// A swift-log handler that writes one JSON object per line:
///
/// ```json
/// {"time":"2026-11-23T20:04:12.345Z","level":"info","label":"ssm","message":"request","metadata":{"status":"200"}}
/// ```
///
/// `time` is UTC with milliseconds; `metadata` (the handler's, the metadata provider's and the
/// call's, later ones winning) is present when not empty, its keys sorted, nested values as
/// JSON arrays and objects, everything else as strings; `error` is added when the call gave
/// one. The handler writes what it is given and nothing more: keeping secrets out of log
/// calls is the callers' rule (ssm logs no PIN, plaintext or key value).
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The lowest level written.
    public var logLevel: Logger.Level
    /// Metadata added to every line.
    public var metadata: Logger.Metadata = [:]
    /// Metadata computed at each line.
    public var metadataProvider: Logger.MetadataProvider?
    private let output: LogOutput

    /// Creates a handler writing to `output`.
    public init(
        label: String, level: Logger.Level = .info, output: LogOutput = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.logLevel = level
        self.output = output
        self.metadataProvider = metadataProvider
    }

    /// The handler's metadata value for `key`.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let own = event.metadata, !own.isEmpty {
            merged.merge(own) { _, new in new }
        }
        var line = JSONLine()
        line.field("time", UTCTimestamp.now())
        line.field("level", event.level.rawValue)
        line.field("label", label)
        line.field("message", event.message.description)
        if let error = event.error {
            line.field("error", String(describing: error))
        }
        if !merged.isEmpty {
            line.key("metadata")
            line.metadata(merged)
        }
        output.emit(line.finish())
    }
}

/// Builds one JSON object, field by field, escaping strings as RFC 8259 requires.
struct JSONLine {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    init() {
        bytes.reserveCapacity(256)
    }

    mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    mutating func metadata(_ metadata: Logger.Metadata) {
        bytes.append(UInt8(ascii: "{"))
        for (index, key) in metadata.keys.sorted().enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(key)
            bytes.append(UInt8(ascii: ":"))
            if let value = metadata[key] { self.value(value) }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func value(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let string): self.string(string)
        case .stringConvertible(let convertible): string(convertible.description)
        case .dictionary(let dictionary): metadata(dictionary)
        case .array(let array):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(element)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func string(_ string: String) {
        let hex = Self.hex
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7f:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0f)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The object, closed, with its newline.
    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
