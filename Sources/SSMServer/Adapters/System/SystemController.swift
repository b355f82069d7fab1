import HTTPTypes
import Hummingbird
import SSMCore

/// `GET /health-check` (the process answers; also under `/crypto`, where SSM v1.6.1 serves
/// it and its generated client asks), `GET /ready` (the pool holds a logged-in session) and
/// `GET /pool/stats`. While the audit log cannot be written, `/ready` fails (or, with
/// `audit.failOpen`, answers `DEGRADED`).
struct SystemController {
    let hsm: HSM
    var audit: AuditLog?

    struct Status: JSONWritable {
        var status: String
        var message: String

        func write(to writer: inout JSONWriter) {
            writer.field("message", message)
            writer.field("status", status)
        }
    }

    func addRoutes(to table: RouteRegistrar) {
        table.add(.get, .rootAndCrypto("/health-check"), .open) { _, _ in
            JSONBody.written(Status(status: "OK", message: "ssm is running"))
        }
        table.add(.get, ["/ready"], .open) { _, _ in
            guard await hsm.isReady() else {
                let login = hsm.loginStatus()
                let reason =
                    login.waitingForPIN
                    ? "the token refused the PIN (\(login.lastRefusal ?? "CKR_PIN_INCORRECT")); ssm does not try it again and waits for a new PIN (SIGHUP)"
                    : "the HSM session is not logged in"
                throw Problem(.serviceUnavailable, "NOT_READY", reason, headers: [.retryAfter: "5"])
            }
            if let audit, !audit.isHealthy {
                guard audit.failOpen else {
                    throw Problem(
                        .serviceUnavailable, "NOT_READY", "the audit log cannot be written", headers: [.retryAfter: "5"])
                }
                return JSONBody.written(
                    Status(status: "DEGRADED", message: "the audit log cannot be written; requests are served (audit.failOpen)"))
            }
            return JSONBody.written(Status(status: "READY", message: "logged in to token '\(hsm.token.label)'"))
        }
        table.add(.get, ["/pool/stats"], .global(.stats)) { _, _ in
            try JSONBody.response(PoolStatsResponse(hsm.statistics(), circuit: hsm.circuit(), login: hsm.loginStatus()))
        }
    }
}
