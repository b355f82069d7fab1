/// A point in time as the pool's state machine sees it: the `Duration` elapsed since
/// ``PoolClock/origin`` on the continuous clock.
///
/// `Duration` is a frozen two-word value, so the inlined fast path copies and compares it
/// directly; `ContinuousClock.Instant` is resilient and would cost runtime layout queries.
@usableFromInline
package typealias PoolTimestamp = Duration

/// Reads the continuous clock as ``PoolTimestamp``s.
@usableFromInline
package enum PoolClock {
    /// The origin of every timestamp (the first use of the clock in this process).
    static let origin = ContinuousClock.now

    /// The current timestamp.
    @usableFromInline
    package static func now() -> PoolTimestamp {
        origin.duration(to: .now)
    }

    /// The instant of `timestamp`, to sleep until it.
    package static func instant(of timestamp: PoolTimestamp) -> ContinuousClock.Instant {
        origin.advanced(by: timestamp)
    }
}
