/// A configuration value that is missing or wrong. Its description is the one line
/// `ssm serve` prints before exiting: the key and what is wrong, never a secret's value.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration key (`pool.maxSize`), as written in YAML.
    public var key: String
    /// What is wrong with it.
    public var message: String

    /// Creates an error for `key`.
    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "configuration error: \(key): \(message)" }
}
