import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SSMCore

/// The status page: `GET /ui` (HTML), `GET /ui/app.js` and `GET /ui/app.css` — static, built
/// into the binary, open like `/openapi.yaml` since they hold no data — and `GET /ui/status`,
/// the JSON the page polls, which needs the `stats` permission when clients are configured
/// (the page sends the token the operator typed as a bearer header; see README, "Status
/// page").
///
/// The page and its assets are served with a strict `Content-Security-Policy`: scripts,
/// styles and requests from ssm itself only, no inline code, no frames, no forms posted.
struct StatusPageController {
    let hsm: HSM
    let metrics: ServerMetrics
    let census: KeyCensus
    var audit: AuditLog?

    func addRoutes(to table: RouteRegistrar) {
        for asset in StatusPage.Asset.allCases {
            table.add(.get, [asset.path], .open) { _, _ in asset.response() }
        }
        table.add(.get, ["/ui/status"], .global(.stats)) { _, _ in
            var response = try JSONBody.response(await status())
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    /// Everything the page shows, read now.
    func status() async -> StatusResponse {
        var keys = StatusResponse.Keys()
        do {
            let counts = try await census.counts()
            keys.namespaces = Dictionary(uniqueKeysWithValues: counts.byNamespace.map { ($0.key.rawValue, $0.value) })
            let age = ContinuousClock.now - counts.taken
            keys.ageSeconds = Double(age.components.seconds)
        } catch {
            keys.error = Problem.from(error).detail
        }
        return StatusResponse(
            time: Timestamp.now(), token: hsm.tokenLabel, ready: await hsm.isReady(),
            pool: PoolStatsResponse(hsm.statistics(), circuit: hsm.circuit(), login: hsm.loginStatus()),
            traffic: StatusResponse.traffic(metrics.traffic), keys: keys, audit: StatusResponse.audit(audit),
            tls: StatusResponse.tls(notAfter: metrics.certificateNotAfter))
    }
}
