/// An invalid ``PoolConfiguration`` setting, thrown by ``PoolConfiguration/validate()``.
public struct PoolConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The name of the offending field, e.g. `"minSize"`.
    public var field: String
    /// A human-readable explanation naming the field and its value.
    public var message: String

    /// Creates an error for `field`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
