/// A key-label pattern of a policy: `*` matches any run of characters, `?` any one
/// character, everything else itself.
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
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                resume = t
                p += 1
            } else if let star {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
