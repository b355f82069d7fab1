import ServiceLifecycle
import SessionPool

/// Runs the session pool of an ``HSM`` as a service of the application's `ServiceGroup`:
/// prewarms `minSize` sessions, reaps idle ones, and on graceful shutdown (after the HTTP
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
        do {
            try await hsm.pool.run()
        } catch {
            await hsm.shutdown()
            throw error
        }
        await hsm.shutdown()
    }
}
