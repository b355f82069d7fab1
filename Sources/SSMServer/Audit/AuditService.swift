import Logging
import ServiceLifecycle

/// Seals the audit log every `audit.sealInterval` (when records were added), syncs it under
/// `audit.sync: interval`, and at graceful shutdown (after the HTTP server has drained, before
/// the HSM closes) writes the last seal and closes the file.
struct AuditService: Service, CustomStringConvertible {
    let log: AuditLog
    let logger: Logger

    var description: String { "AuditService" }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: log.settings.sealInterval) }
            await tick()
        }
        log.close()
    }

    /// One seal (and sync); a failure is logged and counted, and the next seal covers the
    /// same records.
    func tick() async {
        do {
            try await log.seal()
        } catch {
            logger.error("audit seal failed", metadata: ["error": "\(error)"])
        }
        log.syncIfNeeded()
    }
}
