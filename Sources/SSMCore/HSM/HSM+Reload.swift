import Logging
import PKCS11
import SessionPool
import Synchronization

extension HSM {
    /// Logs in with a new PIN (SIGHUP after the token's PIN was changed), without failing
    /// requests: new requests wait (at most `acquireTimeout`) while lent sessions come back
    /// (as long), the idle sessions of the old login are closed, the anchor logs out and in
    /// with `newPIN`, and the pool reopens `minSize` sessions. If the new PIN is refused, ssm
    /// logs in with the old one again and throws.
    ///
    /// Nothing happens when `newPIN` is the PIN in use. While the HSM is lost the new PIN is
    /// only kept, for the reconnection to use.
    ///
    /// - Throws: the `C_Login` error for the new PIN (`CKR_PIN_INCORRECT`, ...).
    public func changePIN(_ newPIN: [UInt8]) async throws {
        guard !state.withLock({ $0.pin.matches(newPIN) }) else { return }
        let secret = Secret(copying: newPIN)
        guard breaker.pause() else {
            state.withLock { $0.pin = secret }
            return
        }
        defer { breaker.resume() }
        let (old, timeout) = state.withLock { ($0.pin, $0.pool.acquireTimeout) }
        let deadline = ContinuousClock.now + timeout
        while pool.statistics().inUse > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
        await pool.closeIdle()
        let link = links.current
        do {
            _ = try await executor.run { () throws -> Bool in
                try link.withAnchor { session in
                    try session.logout()
                    try session.login(pin: secret)
                }
                return true
            }
        } catch {
            logger.error("the new PIN was refused; keeping the old one", metadata: ["error": "\(error)"])
            _ = try? await executor.run { () throws -> Bool in
                try link.withAnchor { try $0.login(pin: old) }
                return true
            }
            throw error
        }
        state.withLock { $0.pin = secret }
        logger.notice("logged in with the new PIN")
        do {
            try await pool.prewarm()
        } catch {
            logger.warning("could not reopen the minimum sessions", metadata: ["error": "\(error)"])
        }
    }
}
