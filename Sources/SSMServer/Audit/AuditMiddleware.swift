import SSMCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware when an audit log is configured: one record per request once
/// its response is known. Fails closed: when the log cannot be written the request gets
/// 503 (before it runs, once the log has failed) or 500 (its own record failed), unless
/// `audit.failOpen`.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = SSMRequestContext

    let log: AuditLog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if !log.isHealthy && !log.failOpen {
            return try Problem(
                .serviceUnavailable, "AUDIT_UNAVAILABLE", "the audit log cannot be written; no request is served"
            ).response(from: request, context: context)
        }
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let note = context.note.current
        let record = AuditRecord(
            seq: 0, time: AuditLog.timestamp(Date()), requestID: response.headers[.requestID] ?? "",
            client: note.clientID, method: request.method.rawValue, path: request.uri.path,
            operation: note.operation?.rawValue, keyLabel: note.label, keyID: note.keyID,
            status: Int(response.status.code),
            durationMs: AuditRecord.milliseconds(elapsed),
            peer: context.remoteAddress?.description, prev: "")
        do {
            try log.append(record)
        } catch {
            context.logger.critical("audit record not written", metadata: ["error": "\(error)"])
            if !log.failOpen {
                var failed = try Problem(.internalServerError, "AUDIT_FAILED", "the audit record could not be written")
                    .response(from: request, context: context)
                failed.headers[.requestID] = response.headers[.requestID]
                return failed
            }
        }
        return response
    }
}
