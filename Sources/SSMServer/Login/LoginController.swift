import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix
import Synchronization

/// `POST /login {service_id, password}` → `{token, message}` (SSM v1.6's contract): a JWT for
/// the client `service_id` when `password` matches its bcrypt `passwordHash`.
struct LoginController {
    let clients: ClientRegistry
    let jwt: JWTService?
    let bodyLimit: Int

    struct LoginRequest: Decodable {
        var serviceID: String
        var password: String

        enum CodingKeys: String, CodingKey {
            case serviceID = "service_id"
            case password
        }
    }

    struct LoginResponse: Encodable {
        var token: String
        var message: String
        var expiresIn: Int

        enum CodingKeys: String, CodingKey {
            case token, message
            case expiresIn = "expires_in"
        }
    }

    /// Bounds the bcrypt work and throttles failed attempts (``LoginSettings``).
    let checks: PasswordCheckLimiter
    let throttle: LoginThrottle
    /// A bcrypt hash of nothing anyone knows, checked when `service_id` is unknown so that the
    /// answer takes as long as for a known client: with the highest cost of the configured hashes.
    let decoy: String

    init(clients: ClientRegistry, jwt: JWTService?, bodyLimit: Int) {
        self.clients = clients
        self.jwt = jwt
        self.bodyLimit = bodyLimit
        let settings = jwt?.settings ?? LoginSettings()
        checks = PasswordCheckLimiter(maxConcurrent: settings.maxConcurrent, maxQueued: settings.maxQueued)
        throttle = LoginThrottle(settings)
        let costs = clients.clients.compactMap { $0.passwordHash.flatMap(Credentials.cost(ofPasswordHash:)) }
        decoy = jwt == nil ? "" : Self.decoy(cost: costs.max() ?? Credentials.defaultPasswordCost)
    }

    private static let decoys = Mutex([Int: String]())

    /// The decoy hash of `cost`, made once per process.
    static func decoy(cost: Int) -> String {
        decoys.withLock { decoys in
            if let hash = decoys[cost] { return hash }
            let hash = Credentials.hashPassword(UUID().uuidString, cost: UInt8(clamping: cost))
            decoys[cost] = hash
            return hash
        }
    }

    func addRoutes(to table: RouteRegistrar) {
        table.add(.post, ["/login"], .open) { request, context in
            let body = try await JSONBody.decode(LoginRequest.self, from: request, limit: bodyLimit)
            // No client has a password: nobody can log in, and there is nothing to time.
            guard let jwt else { throw Problem.unauthorized("no client can log in (no passwordHash configured)") }
            let attempt = LoginThrottle.Attempt(clientID: body.serviceID, address: context.remoteAddress?.ipAddress ?? "local")
            if let wait = throttle.begin(attempt) {
                throw Problem(
                    .tooManyRequests, "LOGIN_THROTTLED", "too many failed logins: retry after \(wait) s",
                    headers: [.retryAfter: "\(wait)"])
            }
            let client = clients.client(id: body.serviceID)
            let hash = client?.passwordHash ?? decoy
            // bcrypt takes a fraction of a second of CPU on purpose: on NIO's blocking pool, never
            // on the concurrency pool that serves every other request, and only so many at once.
            let password = body.password
            guard
                let matches = try await checks.run({
                    try await NIOThreadPool.singleton.runIfActive { Credentials.verifyPassword(password, hash: hash) }
                })
            else {
                throttle.refund(attempt)
                throw Problem(
                    .serviceUnavailable, "LOGIN_BUSY", "too many logins at once: retry after 1 s", headers: [.retryAfter: "1"])
            }
            guard let client, client.passwordHash != nil, matches else {
                throw Problem.unauthorized("unknown service_id or wrong password")
            }
            throttle.refund(attempt)
            context.note.setClient(client.id)
            let token = try await jwt.issue(clientID: client.id)
            return try JSONBody.response(
                LoginResponse(
                    token: token, message: "login successful",
                    expiresIn: Int(jwt.settings.tokenTTL.components.seconds)))
        }
    }
}
