import PKCS11
import SessionPool

/// Opens and closes PKCS#11 sessions on one token for the ``ResourcePool``.
///
/// Sessions are opened read-write and are not logged in individually: login state
/// belongs to the application and the token, and ``HSM`` holds it through its
/// anchor session.
struct TokenSessionFactory: PoolResourceFactory {
    let module: PKCS11Module
    let slot: SlotID
    let executor: BlockingExecutor
    /// The token's own session limit, less the anchor session.
    let resourceLimit: Int?

    func openResource() async throws -> SessionHandle {
        let module = self.module
        let slot = self.slot
        return try await executor.run { () throws -> SessionHandle in
            try module.openSession(slot: slot, readWrite: true)
        }
    }

    func closeResource(_ resource: SessionHandle) async {
        _ = try? await executor.run { () throws -> Bool in
            try resource.close()
            return true
        }
    }

    /// A session that failed with a session-lost or device-lost error is closed, not reused;
    /// so is one left with an operation active (`CKR_OPERATION_ACTIVE`: a failed single-part
    /// call the module did not end), which would fail every later request.
    func isFatal(_ error: any Error) -> Bool {
        guard let error = error as? PKCS11Error else { return false }
        switch error.errorClass {
        case .sessionLost, .deviceLost: return true
        default: return error.returnValue == .operationActive
        }
    }
}
