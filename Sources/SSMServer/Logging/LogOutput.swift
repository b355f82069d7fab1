import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where ``JSONLogHandler`` writes its lines.
public struct LogOutput: Sendable {
    private let sink: @Sendable ([UInt8]) -> Void

    /// An output that hands each line (newline included) to `sink` (tests collect them).
    public init(_ sink: @escaping @Sendable ([UInt8]) -> Void) {
        self.sink = sink
    }

    /// Standard error. Each line is one `write(2)` (repeated only for what a short write
    /// left), so lines of concurrent requests do not interleave and no lock is taken.
    public static let standardError = LogOutput { line in
        line.withUnsafeBytes { buffer in
            guard var base = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = write(2, base, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // nowhere left to report it
                }
                remaining -= written
                base += written
            }
        }
    }

    func emit(_ line: [UInt8]) {
        sink(line)
    }
}

/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-23T20:04:12.345Z`), from the
/// real-time clock, without Foundation's formatters.
enum UTCTimestamp {
    static func now() -> String {
        // Date rather than clock_gettime: release builds resolve `timespec`'s members to NIO's
        // CNIOLinux shim and fail (MemberImportVisibility).
        let milliseconds = Int((Date.now.timeIntervalSince1970 * 1000).rounded(.down))
        return format(seconds: milliseconds / 1000, milliseconds: milliseconds % 1000)
    }

    static func format(seconds: Int, milliseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }
}
