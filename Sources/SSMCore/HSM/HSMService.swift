import ServiceLifecycle
import SessionPool

/// Runs the session pool of an ``HSM`` as a service of the application's `ServiceGroup`:
/// prewarms `minSize` sessions, reaps idle ones, checks the HSM's health every
/// ``RecoveryConfiguration/healthCheckInterval``, and on graceful shutdown (after the HTTP
/// server, which stops first) closes every session and finalizes the module.
public struct HSMService: Service {
    /// The HSM this service keeps.
    public let hsm: HSM

    /// Creates the service.
    public init(hsm: HSM) {
        self.hsm = hsm
    }

    /// Runs until graceful shutdown or cancellation, then shuts the HSM down.
    public func run() async throws {
        let hsm = self.hsm
        let health = Task { await hsm.runHealthChecks() }
        defer { health.cancel() }
        do {
            try await hsm.pool.run()
        } catch {
            health.cancel()
            await hsm.shutdown()
            throw error
        }
        health.cancel()
        await hsm.shutdown()
    }
}
