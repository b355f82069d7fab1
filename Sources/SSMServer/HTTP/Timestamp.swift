import Foundation

/// SSM's `time_created`/`time_updated` values: the time of the operation, RFC 3339 in UTC.
enum Timestamp {
    static func now() -> String { Date.now.ISO8601Format() }
}
