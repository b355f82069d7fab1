import Logging

/// How `ssm serve` writes its log lines (`log.format`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's text lines: `2026-11-23T20:04:12+0000 info ssm: request_id=... [SSMServer] request`
    /// (`StreamLogHandler`'s, through ``DeferredMetadataLogHandler``).
    case text
    /// One JSON object per line (``JSONLogHandler``), for journald, ELK and the like.
    case json
}

extension LogFormat {
    /// A handler for `label` writing to standard error in this format at `level`.
    public func makeHandler(label: String, level: Logger.Level) -> any LogHandler {
        switch self {
        case .text:
            var handler = DeferredMetadataLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            return JSONLogHandler(label: label, level: level, output: .standardError)
        }
    }
}
