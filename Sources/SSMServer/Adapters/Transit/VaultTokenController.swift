import Foundation
import HTTPTypes
import Hummingbird
import SSMCore

/// Vault's token routes for the presented credential, `GET /v1/auth/token/lookup-self` and
/// `POST /v1/auth/token/renew-self` (agents and plugins check their token with them), and
/// `GET /v1/sys/health`.
///
/// A token is one of ssm's clients: `policies` are the operations its policy grants; `ttl`
/// and `creation_ttl` are a login JWT's remaining and whole lifetime, 0 for a static token
/// (which does not expire). Nothing is renewable: renewing answers the token as it is.
struct VaultTokenController {
    let hsm: HSM

    func addRoutes(to table: RouteRegistrar) {
        for method in [HTTPRequest.Method.get, .post] {
            table.add(method, ["/v1/auth/token/lookup-self"], .authenticated) { request, context in
                try VaultResponse.ok(context, data: Self.lookup(request, context))
            }
        }
        for method in [HTTPRequest.Method.post, .put] {
            table.add(method, ["/v1/auth/token/renew-self"], .authenticated) { request, context in
                let token = Self.lookup(request, context)
                return try VaultResponse.auth(
                    context,
                    Auth(
                        clientToken: token.id, policies: token.policies, tokenPolicies: token.policies,
                        metadata: token.meta, leaseDuration: token.ttl))
            }
        }
        for method in [HTTPRequest.Method.get, .head] {
            table.add(method, ["/v1/sys/health"], .open) { request, _ in
                let ready = await hsm.isReady()
                let code = Self.code(request, ready ? "activecode" : "sealedcode") ?? (ready ? 200 : 503)
                let health = Health(sealed: !ready, serverTimeUTC: Int(Date().timeIntervalSince1970))
                var response = try JSONBody.response(health, status: HTTPResponse.Status(code: code))
                if request.method == .head { response.body = .init() }
                return response
            }
        }
    }

    /// The presented token and what it is.
    static func lookup(_ request: Request, _ context: SSMRequestContext) -> TokenInfo {
        let token = SecurityGate.presentedToken(request) ?? ""
        let policies =
            context.enforcing
            ? Set((context.client?.rules ?? []).flatMap { $0.operations.map(\.rawValue) }).sorted()
            : Operation.allCases.map(\.rawValue)
        var info = TokenInfo(
            id: token, displayName: "ssm-\(context.client?.id ?? "open")", policies: policies,
            meta: context.client.map { ["client": $0.id] })
        // A login JWT (already verified by the gate): its lifetime.
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 3, let payload = Base64URL.decode(parts[1]),
            let claims = try? JSONDecoder().decode(JWTClaims.self, from: Data(payload))
        {
            let now = Int(Date().timeIntervalSince1970)
            let issued = claims.iat ?? now
            info.creationTime = issued
            info.creationTTL = max(0, claims.exp - issued)
            info.ttl = max(0, claims.exp - now)
            info.expireTime = Timestamp.format(secondsSince1970: claims.exp)
        }
        return info
    }

    /// A status code from the query (`activecode=…`, `sealedcode=…`), as Vault's health takes it.
    static func code(_ request: Request, _ name: String) -> Int? {
        guard let text = request.uri.queryParameters.get(name), let code = Int(text), (100...599).contains(code) else {
            return nil
        }
        return code
    }

    struct TokenInfo: Encodable {
        var id: String
        var displayName: String
        var policies: [String]
        var meta: [String: String]?
        var creationTime = 0
        var creationTTL = 0
        var ttl = 0
        var expireTime: String?
        var accessor = ""
        var entityID = ""
        var explicitMaxTTL = 0
        var numUses = 0
        var orphan = true
        var path = "auth/token/create"
        var renewable = false
        var type = "service"

        enum CodingKeys: String, CodingKey {
            case id, policies, meta, ttl, accessor, orphan, path, renewable, type
            case displayName = "display_name"
            case creationTime = "creation_time"
            case creationTTL = "creation_ttl"
            case expireTime = "expire_time"
            case entityID = "entity_id"
            case explicitMaxTTL = "explicit_max_ttl"
            case numUses = "num_uses"
        }
    }

    struct Auth: Encodable {
        var clientToken: String
        var policies: [String]
        var tokenPolicies: [String]
        var metadata: [String: String]?
        var leaseDuration: Int
        var accessor = ""
        var renewable = false
        var entityID = ""
        var tokenType = "service"
        var orphan = true

        enum CodingKeys: String, CodingKey {
            case policies, metadata, accessor, renewable, orphan
            case clientToken = "client_token"
            case tokenPolicies = "token_policies"
            case leaseDuration = "lease_duration"
            case entityID = "entity_id"
            case tokenType = "token_type"
        }
    }

    /// Vault's health answer (no envelope), for one node that is always active.
    struct Health: Encodable {
        var initialized = true
        var sealed: Bool
        var standby = false
        var performanceStandby = false
        var replicationPerformanceMode = "disabled"
        var replicationDRMode = "disabled"
        var serverTimeUTC: Int
        var version = "ssm"
        var clusterName = "ssm"
        var clusterID = ""

        enum CodingKeys: String, CodingKey {
            case initialized, sealed, standby, version
            case performanceStandby = "performance_standby"
            case replicationPerformanceMode = "replication_performance_mode"
            case replicationDRMode = "replication_dr_mode"
            case serverTimeUTC = "server_time_utc"
            case clusterName = "cluster_name"
            case clusterID = "cluster_id"
        }
    }
}
