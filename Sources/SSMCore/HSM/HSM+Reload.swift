import Logging
import PKCS11
import SessionPool
import Synchronization

extension HSM {
    /// Logs in with a new PIN (SIGHUP after the token's PIN was changed), without failing
    /// requests: new requests wait (at most `acquireTimeout`) while lent sessions come back
    /// (as long), the idle sessions of the old login are closed, the anchor logs out and in
    /// with `newPIN`, and the pool reopens `minSize` sessions. If the new PIN is refused, ssm
    /// logs in with the last PIN that worked again (unless the token refused that one too) and
    /// throws.
    ///
    /// Nothing happens when `newPIN` is the PIN in use or already waiting to be tried. A PIN
    /// this token refused before is not tried again (a real HSM locks the PIN after a few
    /// failures): restart ssm to force another attempt. While the HSM is lost the new PIN is
    /// only kept, for the reconnection to try first (``LoginStatus``).
    ///
    /// - Throws: the `C_Login` error for the new PIN (`CKR_PIN_INCORRECT`, ...), or
    ///   ``PINRefusedError`` for a PIN refused before.
    public func changePIN(_ newPIN: [UInt8]) async throws {
        let known = state.withLock { state in
            state.pin.matches(newPIN) || state.pendingPIN?.matches(newPIN) == true
        }
        guard !known else { return }
        let secret = Secret(copying: newPIN)
        guard breaker.pause() else {
            state.withLock { state in
                state.pendingPIN = secret
                state.waitingForPIN = false
            }
            return
        }
        defer { breaker.resume() }
        let link = links.current
        let identity = Self.tokenIdentity(link.token)
        if let refusal = state.withLock({ $0.isRefused(secret, by: identity) ? $0.lastRefusal : nil }) {
            logger.error("the new PIN was refused by this token before; not trying it again")
            throw PINRefusedError(code: refusal)
        }
        let timeout = state.withLock { $0.pool.acquireTimeout }
        let deadline = ContinuousClock.now + timeout
        while pool.statistics().inUse > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
        await pool.closeIdle()
        state.withLock { $0.pendingPIN = secret }
        do {
            // The new PIN first, then (if it is refused) the last one that worked.
            _ = try await executor.run { () throws -> Bool in
                try link.withAnchor { session in
                    try session.logout()
                    try self.logInWithUsablePIN(on: session, token: link.token)
                }
                return true
            }
        } catch {
            // A failure other than a refusal leaves the new PIN untried.
            state.withLock { $0.pendingPIN = nil }
            logger.error("could not log in with the new PIN", metadata: ["error": "\(error)"])
            throw error
        }
        guard state.withLock({ $0.pin === secret }) else {
            let code = state.withLock { $0.lastRefusal } ?? "CKR_PIN_INCORRECT"
            logger.error("the new PIN was refused; keeping the old one", metadata: ["error": "\(code)"])
            throw PINRefusedError(code: code)
        }
        logger.notice("logged in with the new PIN")
        do {
            try await pool.prewarm()
        } catch {
            logger.warning("could not reopen the minimum sessions", metadata: ["error": "\(error)"])
        }
    }
}
