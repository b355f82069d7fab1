import Logging
import Synchronization

/// The process-wide log level, changeable at run time (SIGHUP reload).
///
/// Bootstrap the logging system with handlers wrapped by ``wrap(_:)``: they take their level
/// from here instead of their own, so one ``level`` assignment applies to every logger.
public final class LogLevelControl: Sendable {
    private let value: Atomic<UInt8>

    /// Starts at `level`.
    public init(_ level: Logger.Level) {
        value = Atomic(Self.code(level))
    }

    /// The current level.
    public var level: Logger.Level {
        get { Logger.Level.allCases[Int(value.load(ordering: .relaxed))] }
        set { value.store(Self.code(newValue), ordering: .relaxed) }
    }

    /// `handler`, with its level read from this control.
    public func wrap(_ handler: some LogHandler) -> any LogHandler {
        ControlledLogHandler(base: handler, control: self)
    }

    private static func code(_ level: Logger.Level) -> UInt8 {
        UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 0)
    }
}

/// A handler whose level is a ``LogLevelControl``'s.
struct ControlledLogHandler<Base: LogHandler>: LogHandler {
    var base: Base
    let control: LogLevelControl

    var logLevel: Logger.Level {
        get { control.level }
        set {}  // the control decides, for every logger at once
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        base.log(event: event)
    }
}
