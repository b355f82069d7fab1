/// What `ssm_hsm_circuit_state` reports: the state of the circuit breaker in front of the HSM.
public enum CircuitBreakerState: Int, Sendable, CaseIterable {
    /// Calls go to the HSM (0).
    case closed = 0
    /// A trial call is let through after the breaker was open (1).
    case halfOpen = 1
    /// Calls fail fast without reaching the HSM (2).
    case open = 2
}
