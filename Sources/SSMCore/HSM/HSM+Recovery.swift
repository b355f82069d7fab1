import Logging
import PKCS11
import SessionPool
import Synchronization

extension HSM {
    /// Checks the anchor session once (`C_GetSessionInfo`, which also keeps it alive): logs in
    /// again if the login was lost, starts the reconnection if the device or the anchor is
    /// lost. Does nothing while the breaker is not closed. ``HSMService`` calls it every
    /// ``RecoveryConfiguration/healthCheckInterval``.
    public func checkHealth() async {
        guard breaker.phase == .closed else { return }
        let link = links.current
        do {
            let sessionState = try await executor.run { () throws -> SessionState in
                try link.withAnchor { try $0.info().state }
            }
            switch sessionState {
            case .readWriteUser, .readOnlyUser:
                return
            default:
                logger.warning("health check: the token forgot the login; logging in again")
                try await logIn()
            }
        } catch let error as PKCS11Error where error.errorClass == .deviceLost || error.errorClass == .sessionLost {
            deviceLost(error)
        } catch {
            logger.warning("health check failed", metadata: ["error": "\(error)"])
        }
    }

    /// Opens the breaker and starts the reconnection, unless it is already under way.
    func deviceLost(_ error: any Error) {
        guard breaker.trip(reason: "\(error)") else { return }
        logger.error("HSM lost; failing requests at once while reconnecting", metadata: ["error": "\(error)"])
        pool.failWaiters(with: HSMUnavailableError(reason: "the HSM was lost; ssm is reconnecting", retryAfter: .seconds(1)))
        state.withLock { state in
            guard !state.isShutDown else { return }
            state.recovery = Task { await self.reconnect() }
        }
    }

    /// Gives up the lost link and builds a new one, retrying with a doubling interval until it
    /// works or the HSM shuts down.
    private func reconnect() async {
        let old = links.current
        // Through the old module while it is still initialised: a device that is really gone
        // fails these, and C_Finalize below closes them all the same.
        await pool.closeIdle()
        let settings = configuration
        var interval = settings.recovery.retryInterval
        while !Task.isCancelled {
            breaker.probing()
            do {
                let link = try await executor.run { () throws -> TokenLink in
                    old.withAnchor { session in try? session.handle.close() }
                    // Waits for calls in flight to leave the module; a no-op once done.
                    try old.module.finalizeForRecovery()
                    // A PIN the token refused is not tried again: the loop goes on probing
                    // the device, but logs in only with a PIN the token has not refused.
                    return try TokenLink.open(modulePath: settings.modulePath, token: settings.token) { session, token in
                        try self.logInWithUsablePIN(on: session, token: token)
                    }
                }
                links.replace(with: link)
                let handlers = state.withLock { $0.reconnectHandlers }
                for handler in handlers { handler() }
                breaker.recovered()
                logger.notice("reconnected to the HSM", metadata: ["token": "\(link.token.label)"])
                do {
                    try await pool.prewarm()
                } catch {
                    logger.warning("could not reopen the minimum sessions", metadata: ["error": "\(error)"])
                }
                return
            } catch {
                breaker.probeFailed(reason: "\(error)", retryIn: interval)
                logger.warning(
                    "HSM still unavailable", metadata: ["error": "\(error)", "retryIn": "\(interval)"])
            }
            try? await Task.sleep(for: interval)
            interval = min(interval * 2, settings.recovery.maxRetryInterval)
        }
    }

    /// Runs ``checkHealth()`` every `healthCheckInterval` until cancelled.
    func runHealthChecks() async {
        let interval = configuration.recovery.healthCheckInterval
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await checkHealth()
        }
    }
}
