import Configuration
import Foundation

/// Reads configuration keys with swift-configuration's typed reads, one line per key.
///
/// Every read takes the setting it fills in (`try read(&pool.maxSize, "pool.maxSize", range: 1...10_000)`):
/// what the setting holds before is the default, written once, where the settings type is
/// declared. swift-configuration's reads with a default return the default when the value has
/// the wrong type; these throw a ``ConfigurationError`` naming the key and the value instead
/// (never the value of a secret: the PIN is only read as text, which cannot fail).
///
/// Adding a key: list it in ``AppConfiguration/keys`` (any other key is refused as unknown),
/// read it with one of these, and add its row to README's configuration table (a test checks
/// the table against ``AppConfiguration/keys`` and the defaults).
struct Reader {
    let config: ConfigReader
    var environment: [String: String] = [:]

    /// The text of `key`; nil when it is not set or empty (an empty `SSM_*` variable unsets a key).
    func string(_ key: String, isSecret: Bool = false) -> String? {
        assert(AppConfiguration.keys.contains(key), "\(key) is read but missing from AppConfiguration.keys")
        guard let value = config.string(forKey: ConfigKey(key), isSecret: isSecret), !value.isEmpty else { return nil }
        return value
    }

    /// `key` read with `typedRead`, nil when not set; a value of the wrong type is an error
    /// saying what was `expected`.
    private func typed<Value>(_ key: String, expected: String, _ typedRead: (ConfigKey) throws -> Value) throws -> Value? {
        guard let text = string(key) else { return nil }
        do {
            return try typedRead(ConfigKey(key))
        } catch {
            throw ConfigurationError(key: key, "must be \(expected), got '\(text)'")
        }
    }

    func read(_ setting: inout String, _ key: String) {
        setting = string(key) ?? setting
    }

    func read(_ setting: inout String?, _ key: String) {
        setting = string(key) ?? setting
    }

    func read(_ setting: inout Int, _ key: String, range: ClosedRange<Int>) throws {
        guard let number = try typed(key, expected: "an integer", { try config.requiredInt(forKey: $0) }) else { return }
        guard range.contains(number) else {
            throw ConfigurationError(key: key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        setting = number
    }

    func read(_ setting: inout Bool, _ key: String) throws {
        setting = try typed(key, expected: "true or false", { try config.requiredBool(forKey: $0) }) ?? setting
    }

    /// A duration greater than zero (`250ms`, `5s`, `5m`, `1h`).
    func read(_ setting: inout Duration, _ key: String) throws {
        guard let value = try durationOrOff(key) else { return }
        guard let duration = value.duration else {
            throw ConfigurationError(key: key, "must be \(ConfigDuration.expected), got 'off'")
        }
        setting = duration
    }

    /// A duration greater than zero, or `off` (nil).
    func read(_ setting: inout Duration?, _ key: String) throws {
        guard let value = try durationOrOff(key) else { return }
        setting = value.duration
    }

    private func durationOrOff(_ key: String) throws -> ConfigDuration? {
        let value = try typed(key, expected: ConfigDuration.expected) {
            try config.requiredString(forKey: $0, as: ConfigDuration.self)
        }
        if let duration = value?.duration, duration <= .zero {
            throw ConfigurationError(key: key, "must be greater than zero")
        }
        return value
    }

    /// One of the cases of `Value`, by raw value, in any letter case (`JSON` is `json`).
    func read<Value: RawRepresentable<String> & CaseIterable>(_ setting: inout Value, _ key: String) throws {
        let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
        setting =
            try typed(key, expected: "one of \(names)") {
                try config.requiredString(forKey: $0, as: CaseInsensitive<Value>.self).value
            }
            ?? setting
    }
}

/// A case of `Value` read from its raw value in any letter case.
private struct CaseInsensitive<Value: RawRepresentable<String> & CaseIterable>: ExpressibleByConfigString {
    let value: Value

    init?(configString: String) {
        let lowercased = configString.lowercased()
        guard let value = Value.allCases.first(where: { $0.rawValue.lowercased() == lowercased }) else { return nil }
        self.value = value
    }

    var description: String { value.rawValue }
}
