import PKCS11
import SessionPool

/// Opens, checks and closes PKCS#11 sessions on the current ``TokenLink`` for the ``ResourcePool``.
///
/// Sessions are opened read-write and are not logged in individually: login state
/// belongs to the application and the token, and ``HSM`` holds it through its
/// anchor session. No session is opened while the circuit breaker is open.
struct TokenSessionFactory: PoolResourceFactory {
    let links: LinkHolder
    let breaker: CircuitBreaker
    let executor: BlockingExecutor
    /// The token's own session limit, less the anchor session.
    let resourceLimit: Int?

    func openResource() async throws -> SessionHandle {
        switch breaker.phase {
        case .open, .halfOpen:
            throw HSMUnavailableError(reason: "the HSM is unavailable; ssm is reconnecting", retryAfter: breaker.retryAfter)
        case .closed, .paused:
            break
        }
        let link = links.current
        return try await executor.run { () throws -> SessionHandle in try link.openSession() }
    }

    func closeResource(_ resource: SessionHandle) async {
        _ = try? await executor.run { () throws -> Bool in
            try resource.close()
            return true
        }
    }

    /// `C_GetSessionInfo` succeeds (a session idle for `checkAfterIdle` before it is lent).
    func check(_ resource: SessionHandle) async -> Bool {
        (try? await executor.run { () throws -> Bool in
            _ = try Session(resource).info()
            return true
        }) ?? false
    }

    /// A session that failed with a session-lost or device-lost error is closed, not reused;
    /// so is one left with an operation active (`CKR_OPERATION_ACTIVE`: a failed single-part
    /// call the module did not end), which would fail every later request, and one of a
    /// replaced link.
    func isFatal(_ error: any Error) -> Bool {
        if error is StaleSessionError { return true }
        guard let error = error as? PKCS11Error else { return false }
        switch error.errorClass {
        case .sessionLost, .deviceLost: return true
        default: return error.returnValue == .operationActive
        }
    }
}
