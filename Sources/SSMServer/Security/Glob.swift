/// A key-label pattern of a policy: `*` matches any run of characters, `?` any one
/// character (one Unicode scalar), everything else itself.
///
/// Compared as UTF-8 bytes, as the key cache and the HSM compare labels: canonically
/// equivalent text is *not* merged (Swift's `String` and `Character` would merge a
/// precomposed "é" with "e" + U+0301), so a pattern cannot grant a label that the HSM sees
/// as another.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written.
    public let description: String
    private let pattern: [UInt8]

    /// The pattern `text`.
    public init(_ text: String) {
        description = text
        pattern = Array(text.utf8)
    }

    /// Whether `label` matches the pattern.
    public func matches(_ label: String) -> Bool {
        let text = Array(label.utf8)
        var p = 0
        var t = 0
        var star: Int?
        var resume = 0
        while t < text.count {
            if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                resume = t
                p += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "?") {
                p += 1
                t = Self.nextScalar(text, after: t)
            } else if p < pattern.count && pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star {
                p = star + 1
                resume = Self.nextScalar(text, after: resume)
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// The index of the scalar after the one starting at `index` (past its continuation bytes).
    private static func nextScalar(_ text: [UInt8], after index: Int) -> Int {
        var next = index + 1
        while next < text.count && text[next] & 0xC0 == 0x80 { next += 1 }
        return next
    }
}
