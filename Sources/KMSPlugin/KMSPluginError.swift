/// Why the plugin cannot start: its socket or its key. `ssm serve` stops with this message.
public struct KMSPluginError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the setting (`kms.socket: …`).
    public var message: String

    /// Creates the error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
