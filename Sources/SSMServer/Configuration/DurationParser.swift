import Configuration
import Foundation

/// Durations in the configuration: an integer and a unit, `250ms`, `5s`, `5m`, `1h`.
enum DurationParser {
    /// Parses `text`; nil when it is not an integer followed by `ms`, `s`, `m` or `h`.
    static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, (Int64) -> Duration)] = [
            ("ms", { .milliseconds($0) }), ("s", { .seconds($0) }), ("m", { .seconds($0 * 60) }), ("h", { .seconds($0 * 3600) }),
        ]
        for (suffix, make) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy(\.isASCIIDigit), let value = Int64(number), value <= 1_000_000_000 else {
                return nil
            }
            return make(value)
        }
        return nil
    }

    /// Formats a duration the way it is written in the configuration.
    static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// A duration setting as swift-configuration reads it (`string(forKey:as:)`): a duration, or
/// `off` where a key allows turning the feature off (``duration`` nil).
struct ConfigDuration: ExpressibleByConfigString {
    /// How a duration is written, for errors.
    static let expected = "a duration such as 250ms, 5s, 5m or 1h"

    /// The duration; nil for `off`.
    let duration: Duration?

    init?(configString: String) {
        if configString.trimmingCharacters(in: .whitespaces).lowercased() == "off" {
            duration = nil
        } else if let duration = DurationParser.parse(configString) {
            self.duration = duration
        } else {
            return nil
        }
    }

    var description: String { duration.map(DurationParser.format) ?? "off" }
}
