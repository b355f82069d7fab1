import Logging

/// A log handler that writes exactly what swift-log's `StreamLogHandler` writes, but renders
/// the logger's metadata only when a line is written.
///
/// `StreamLogHandler` renders its metadata to text every time the metadata changes. Hummingbird
/// gives every request a logger with its own `hb.request.id` and the request middleware swaps
/// it for `request_id`, so that rendering happened several times per request even when nothing
/// was logged: a measurable share of a request's time (see docs/performance.md). Here the metadata is stored as it is set and handed to the stream
/// handler with each line, which merges and renders it the same way.
///
/// One difference: a metadata provider's values no longer override the logger's own metadata
/// of the same key (ssm configures no metadata provider).
public struct DeferredMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    /// The logger's own metadata, rendered only with a line.
    public var metadata: Logger.Metadata = [:]

    /// A handler writing to standard error, like `StreamLogHandler.standardError(label:)`.
    public static func standardError(label: String) -> DeferredMetadataLogHandler {
        DeferredMetadataLogHandler(stream: StreamLogHandler.standardError(label: label))
    }

    /// Defers the metadata of `stream` (which should have none of its own).
    init(stream: StreamLogHandler) {
        self.stream = stream
    }

    /// The lowest level written.
    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    /// The stream handler's metadata provider.
    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    /// One metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the line with the logger's metadata merged under the line's own.
    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, line in line }
        }
        stream.log(event: event)
    }
}
