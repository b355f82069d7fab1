#if canImport(Glibc)
import Glibc
#endif

/// SSM's `time_created`/`time_updated` values: the time of the operation, RFC 3339 in UTC
/// (`2026-11-23T20:04:13Z`, as Foundation's `Date.ISO8601Format()`), formatted by hand: the
/// Foundation formatter was a visible share of a request's time.
enum Timestamp {
    static func now() -> String {
        format(secondsSince1970: time(nil))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for a number of seconds since 1970 (UTC).
    static func format(secondsSince1970 seconds: Int) -> String {
        var clock = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&clock, &parts) != nil else { return "1970-01-01T00:00:00Z" }
        return String(unsafeUninitializedCapacity: 20) { buffer in
            var index = 0
            func put(_ value: Int32, digits: Int) {
                var divisor: Int32 = 1
                for _ in 1..<digits { divisor *= 10 }
                var value = value
                while divisor > 0 {
                    buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / divisor)
                    value %= divisor
                    divisor /= 10
                    index += 1
                }
            }
            func put(_ char: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: char)
                index += 1
            }
            put(min(max(parts.tm_year + 1900, 0), 9999), digits: 4)
            put("-")
            put(parts.tm_mon + 1, digits: 2)
            put("-")
            put(parts.tm_mday, digits: 2)
            put("T")
            put(parts.tm_hour, digits: 2)
            put(":")
            put(parts.tm_min, digits: 2)
            put(":")
            put(parts.tm_sec, digits: 2)
            put("Z")
            return index
        }
    }
}
