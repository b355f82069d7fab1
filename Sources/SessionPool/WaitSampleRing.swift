/// A fixed-size ring of the most recent acquire waits, in microseconds.
///
/// Recording writes one slot of a buffer allocated once; it never allocates.
@usableFromInline
struct WaitSampleRing {
    /// How many samples are kept.
    @usableFromInline static let capacity = 1024

    @usableFromInline var samples: [Int]
    @usableFromInline var next = 0
    @usableFromInline var count = 0

    @usableFromInline
    init() {
        samples = Array(repeating: 0, count: Self.capacity)
    }

    /// Records a wait of zero (an uncontended acquisition).
    @inlinable
    mutating func recordZero() {
        record(microseconds: 0)
    }

    /// Records a wait of `duration`.
    @inlinable
    mutating func record(_ duration: Duration) {
        record(microseconds: Self.microseconds(duration))
    }

    @inlinable
    mutating func record(microseconds: Int) {
        samples[next] = microseconds
        next = next == Self.capacity - 1 ? 0 : next + 1
        if count < Self.capacity { count += 1 }
    }

    /// A copy of the recorded samples, in no particular order.
    func snapshot() -> [Int] {
        Array(samples[0..<count])
    }

    /// `duration` in whole microseconds, 0 when negative, saturating at `Int.max`.
    @inlinable
    static func microseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let (wholeSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return .max }
        return Int(truncatingIfNeeded: wholeSeconds &+ attoseconds / 1_000_000_000_000)
    }
}
