/// A key's `CKA_ID` as SSM uses it: an `Int32` stored as 4 bytes, big-endian. Several keys
/// (versions) can share a label and differ by ID.
public struct KeyID: Sendable, Hashable, Comparable, RawRepresentable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The ID as a number.
    public var rawValue: Int32

    /// Wraps a numeric ID.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Wraps a numeric ID.
    public init(_ rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// An ID literal.
    public init(integerLiteral value: Int32) {
        self.rawValue = value
    }

    /// Decodes a `CKA_ID` value; nil unless it is exactly 4 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 else {
            return nil
        }
        let value = bytes.reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        self.rawValue = Int32(bitPattern: value)
    }

    /// The `CKA_ID` value: 4 bytes, big-endian.
    public var bytes: [UInt8] {
        let value = UInt32(bitPattern: rawValue)
        return [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// Orders by numeric value.
    public static func < (lhs: KeyID, rhs: KeyID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The decimal value.
    public var description: String {
        String(rawValue)
    }
}
