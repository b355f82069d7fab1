import Foundation
import SystemPackage

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
        // writeAll repeats write(2) for what a short write left and retries EINTR; an error
        // leaves nowhere to report it.
        _ = try? FileDescriptor.standardError.writeAll(line)
    }

    func emit(_ line: [UInt8]) {
        sink(line)
    }
}

/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-23T20:04:12.345Z`), from the
/// real-time clock, without Foundation's formatters.
///
/// The calendar arithmetic is done here rather than with `timespec`/`tm`: with
/// `--static-swift-stdlib` (the container build) those C structs' members are attributed to
/// another module (CNIOLinux), which `MemberImportVisibility` refuses.
enum UTCTimestamp {
    static func now() -> String {
        let milliseconds = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        return format(seconds: Int(milliseconds / 1000), milliseconds: Int(milliseconds % 1000))
    }

    static func format(seconds: Int, milliseconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(milliseconds, 3))Z"
    }
}
