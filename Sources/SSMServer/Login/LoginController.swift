import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix

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

    /// A bcrypt hash of nothing anyone knows: checked when `service_id` is unknown, so that
    /// the answer takes as long as for a known client.
    static let decoy = Credentials.hashPassword(UUID().uuidString, cost: 12)

    func addRoutes(to table: RouteRegistrar) {
        table.add(.post, ["/login"], .open) { request, context in
            let body = try await JSONBody.decode(LoginRequest.self, from: request, limit: bodyLimit)
            // No client has a password: nobody can log in, and there is nothing to time.
            guard let jwt else { throw Problem.unauthorized("no client can log in (no passwordHash configured)") }
            let client = clients.client(id: body.serviceID)
            let hash = client?.passwordHash ?? Self.decoy
            // bcrypt takes a fraction of a second of CPU on purpose: on NIO's blocking pool, never
            // on the concurrency pool that serves every other request (two threads on two cores).
            let password = body.password
            let matches = try await NIOThreadPool.singleton.runIfActive { Credentials.verifyPassword(password, hash: hash) }
            guard let client, client.passwordHash != nil, matches else {
                throw Problem.unauthorized("unknown service_id or wrong password")
            }
            context.note.setClient(client.id)
            let token = try await jwt.issue(clientID: client.id)
            return try JSONBody.response(
                LoginResponse(
                    token: token, message: "login successful",
                    expiresIn: Int(jwt.settings.tokenTTL.components.seconds)))
        }
    }
}
