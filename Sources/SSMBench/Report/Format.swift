import Foundation

/// Number formatting shared by the progress lines and the reports.
enum Format {
    /// `12,345` for rates above 100, else one decimal.
    static func rate(_ value: Double) -> String {
        guard value >= 100 else { return decimal(value, 1) }
        let digits = String(Int(value.rounded()))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return grouped
    }

    /// `value` with `places` decimals.
    static func decimal(_ value: Double, _ places: Int) -> String {
        String(format: "%.\(places)f", value)
    }

    /// Milliseconds with two decimals (three below 0.1 ms).
    static func milliseconds(_ value: Double) -> String {
        (value < 0.1 ? decimal(value, 3) : decimal(value, 2)) + " ms"
    }

    /// `64 B`, `1 KiB`, `64 KiB`.
    static func bytes(_ count: Int) -> String {
        count >= 1024 && count % 1024 == 0 ? "\(count / 1024) KiB" : "\(count) B"
    }

    /// KiB as MiB with one decimal.
    static func mebibytes(_ kib: Int) -> String {
        decimal(Double(kib) / 1024, 1) + " MiB"
    }
}
