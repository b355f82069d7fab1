import KMSPlugin
import Logging
import SSMServer
import ServiceLifecycle

/// The Kubernetes KMS v2 plugin when `kms.socket` is set: checked (socket path, group, key)
/// before anything starts, then served beside HTTP on the same HSM, Transit keys and audit log.
func kmsPluginServices(_ parts: ApplicationParts) async throws -> [any Service] {
    guard let settings = parts.configuration.kms else { return [] }
    let configuration = KMSPluginConfiguration(
        socketPath: settings.socket, keyName: settings.key,
        socketGroup: settings.socketGroup.map(KMSPluginConfiguration.socketGroup(parsing:)))
    let audit = parts.audit.map { AuditLogKMSSink(log: $0, logger: parts.logger) }
    return [
        try await KMSServer.prepare(configuration, transit: parts.transit, hsm: parts.hsm, audit: audit, logger: parts.logger)
    ]
}

/// The plugin's calls in the daemon's audit log, failing as HTTP requests do: refused while
/// the log cannot be written, failed when their record cannot be, unless `audit.failOpen`.
struct AuditLogKMSSink: KMSAuditSink {
    let log: AuditLog
    let logger: Logger

    var acceptsCalls: Bool { log.acceptsRequests }

    func record(_ call: KMSCall) throws {
        do {
            try log.record(
                AuditedCall(
                    requestID: call.uid, method: "GRPC", path: call.method.path, operation: call.method.operation,
                    keyLabel: call.keyName, keyVersion: call.keyVersion, status: call.httpStatus, grpcStatus: call.status,
                    duration: call.duration, peer: call.peer))
        } catch where log.failOpen {
            logger.critical("audit record not written (audit.failOpen: served anyway)", metadata: ["error": "\(error)"])
        }
    }
}
