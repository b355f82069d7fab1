import Synchronization

/// The state of the circuit breaker in front of the HSM.
public enum CircuitState: String, Sendable, Hashable, Codable {
    /// The HSM answers: requests go through.
    case closed
    /// The HSM is lost: requests fail at once until the next probe.
    case open
    /// A probe (re-initialising the module and logging in) is testing whether the HSM is back;
    /// requests still fail at once.
    case halfOpen = "half-open"
}

/// A snapshot of the circuit breaker, for `/pool/stats` and metrics.
public struct CircuitStatus: Sendable, Hashable {
    /// The current state.
    public var state: CircuitState
    /// Times the HSM was found lost (closed → open).
    public var trips: UInt64
    /// Times it came back (a probe succeeded).
    public var recoveries: UInt64
    /// Failed probes since the last trip.
    public var failedProbes: UInt64
    /// Why it last opened or why the last probe failed (no secrets: PKCS#11 error names).
    public var lastError: String?
    /// When the next probe runs, while open.
    public var nextProbeIn: Duration?
}

/// Admission to the HSM: a circuit breaker plus a pause used while the PIN changes.
///
/// The phase is one atomic, so admitting a request costs one load. Transitions: closed →
/// open (``trip(reason:)``, by whoever saw the device lost), open → half-open
/// (``probing()``), half-open → closed (``recovered()``) or → open (``probeFailed(reason:retryIn:)``);
/// closed → paused → closed around a PIN change (``pause()``, ``resume()``).
final class CircuitBreaker: Sendable {
    enum Phase: UInt8 {
        case closed, open, halfOpen, paused
    }

    private struct Details {
        var trips: UInt64 = 0
        var recoveries: UInt64 = 0
        var failedProbes: UInt64 = 0
        var lastError: String?
        var nextProbeAt: ContinuousClock.Instant?
    }

    private let phaseValue = Atomic<UInt8>(Phase.closed.rawValue)
    private let details = Mutex(Details())

    /// The current phase.
    var phase: Phase {
        Phase(rawValue: phaseValue.load(ordering: .acquiring)) ?? .closed
    }

    /// When requests may expect the next probe (at least one second ahead, for `Retry-After`).
    var retryAfter: Duration {
        let next = details.withLock { $0.nextProbeAt }
        guard let next else { return .seconds(1) }
        return max(.seconds(1), ContinuousClock.now.duration(to: next))
    }

    /// Opens the breaker if it was closed or paused; true when this call opened it (the caller
    /// then starts the recovery).
    func trip(reason: String) -> Bool {
        for from in [Phase.closed, .paused] {
            let (exchanged, _) = phaseValue.compareExchange(
                expected: from.rawValue, desired: Phase.open.rawValue, ordering: .acquiringAndReleasing)
            if exchanged {
                details.withLock { details in
                    details.trips += 1
                    details.failedProbes = 0
                    details.lastError = reason
                    details.nextProbeAt = nil
                }
                return true
            }
        }
        return false
    }

    /// A probe starts.
    func probing() {
        phaseValue.store(Phase.halfOpen.rawValue, ordering: .releasing)
    }

    /// The probe failed; the next one runs in `retryIn`.
    func probeFailed(reason: String, retryIn: Duration) {
        details.withLock { details in
            details.failedProbes += 1
            details.lastError = reason
            details.nextProbeAt = .now + retryIn
        }
        phaseValue.store(Phase.open.rawValue, ordering: .releasing)
    }

    /// The probe succeeded: requests go through again.
    func recovered() {
        details.withLock { details in
            details.recoveries += 1
            details.nextProbeAt = nil
        }
        phaseValue.store(Phase.closed.rawValue, ordering: .releasing)
    }

    /// Closed → paused; false if the breaker was not closed.
    func pause() -> Bool {
        phaseValue.compareExchange(
            expected: Phase.closed.rawValue, desired: Phase.paused.rawValue, ordering: .acquiringAndReleasing
        ).exchanged
    }

    /// Paused → closed (nothing if the breaker tripped meanwhile).
    func resume() {
        _ = phaseValue.compareExchange(
            expected: Phase.paused.rawValue, desired: Phase.closed.rawValue, ordering: .acquiringAndReleasing)
    }

    /// A snapshot for statistics.
    func status() -> CircuitStatus {
        let phase = self.phase
        let state: CircuitState =
            switch phase {
            case .closed, .paused: .closed
            case .open: .open
            case .halfOpen: .halfOpen
            }
        return details.withLock { details in
            CircuitStatus(
                state: state, trips: details.trips, recoveries: details.recoveries, failedProbes: details.failedProbes,
                lastError: details.lastError,
                nextProbeIn: phase == .open ? details.nextProbeAt.map { max(.zero, ContinuousClock.now.duration(to: $0)) } : nil)
        }
    }
}
