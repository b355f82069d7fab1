import HTTPTypes
import Hummingbird
import PKCS11
import SSMCore
import SessionPool

/// `GET /health-check` (the process answers), `GET /ready` (the pool holds a logged-in
/// session) and `GET /pool/stats`.
struct SystemController {
    let hsm: HSM

    struct Status: Encodable {
        var status: String
        var message: String
    }

    func addRoutes(to table: RouteRegistrar) {
        table.add(.get, ["/health-check"]) { _, _ in
            try JSONBody.response(Status(status: "OK", message: "ssm is running"))
        }
        table.add(.get, ["/ready"]) { _, _ in
            guard await hsm.isReady() else {
                throw Problem(
                    .serviceUnavailable, "NOT_READY", "the HSM session is not logged in", headers: [.retryAfter: "5"])
            }
            return try JSONBody.response(Status(status: "READY", message: "logged in to token '\(hsm.token.label)'"))
        }
        table.add(.get, ["/pool/stats"]) { _, _ in
            try JSONBody.response(PoolStatsResponse(hsm.statistics(), circuit: hsm.circuit()))
        }
    }
}
