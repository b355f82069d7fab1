import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SSMCore
@testable import SSMServer
import Testing

/// `POST /login` and its JWTs: signed in the HSM, checked on the way back.
@Suite("Login and JWTs")
struct LoginTests {
    static let password = "correct horse battery staple"

    /// Each test its own signing key (tests run in parallel on one token).
    static func security(label: String, audience: String = "ssm") -> SecurityConfiguration {
        var security = SecurityConfiguration()
        security.clients = ClientRegistry([
            Client(
                id: "udm", passwordHash: Credentials.hashPassword(password, cost: 4),
                rules: [Client.Rule(operations: [.stats], keys: [Glob("*")])])
        ])
        security.login.keyLabel = label
        security.login.audience = audience
        return security
    }

    static func service(_ hsm: HSM, _ settings: LoginSettings) async throws -> JWTService {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        return try await JWTService(keys: InternalKeys(store: KeyStore(hsm: hsm, logger: logger)), settings: settings, logger: logger)
    }

    @Test("login with the right password gives a JWT that is a credential; a wrong password or unknown id 401")
    func login() async throws {
        let label = uniqueLabel("jwt")
        let security = Self.security(label: label)
        try await withTestApp { _, hsm in
            let jwt = try await Self.service(hsm, security.login)
            try await withTestApp(security: security, jwt: jwt) { client, _ in
                let response = try await client.send(.post, "/login", ["service_id": "udm", "password": Self.password])
                #expect(response.status == .ok)
                #expect(response.body.string("message") != nil)
                let token = try #require(response.body.string("token"))
                #expect(token.split(separator: ".").count == 3)
                let stats = try await client.send(.get, "/pool/stats", headers: [.authorization: "Bearer \(token)"])
                #expect(stats.status == .ok)
                let forbidden = try await client.send(.post, "/get-all-keys", [:], headers: [.authorization: "Bearer \(token)"])
                #expect(forbidden.status == .forbidden)
                let wrong = try await client.send(.post, "/login", ["service_id": "udm", "password": "nope"])
                expectProblem(wrong, .unauthorized, "UNAUTHORIZED")
                let unknown = try await client.send(.post, "/login", ["service_id": "nobody", "password": Self.password])
                expectProblem(unknown, .unauthorized, "UNAUTHORIZED")
            }
        }
    }

    @Test("the JWT is ES256 with iss, sub, aud, iat, nbf, exp; its signature verifies with the token's public key")
    func tokenShape() async throws {
        let label = uniqueLabel("jwt")
        try await withTestApp { _, hsm in
            let jwt = try await Self.service(hsm, Self.security(label: label).login)
            let token = try await jwt.issue(clientID: "udm")
            let parts = token.split(separator: ".").map(String.init)
            let header = try JSONSerialization.jsonObject(with: Data(try #require(Base64URL.decode(parts[0])))) as? [String: Any]
            #expect(header?["alg"] as? String == "ES256")
            let claims = try jwt.verify(token)
            #expect(claims.sub == "udm" && claims.iss == "ssm" && claims.aud == "ssm")
            #expect(claims.exp - (claims.iat ?? 0) == 900)
            // Independently: swift-crypto with the public key.
            let key = try P256.Signing.PublicKey(x963Representation: jwt.publicPoint)
            let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Base64URL.decode(parts[2])))
            #expect(key.isValidSignature(signature, for: SHA256.hash(data: Array("\(parts[0]).\(parts[1])".utf8))))
            // The same key is found again, not made anew.
            let again = try await Self.service(hsm, Self.security(label: label).login)
            #expect(again.publicPoint == jwt.publicPoint)
        }
    }

    @Test("expired, not yet valid, tampered, wrong audience, wrong issuer and alg none are refused")
    func refused() async throws {
        let label = uniqueLabel("jwt")
        try await withTestApp { _, hsm in
            let jwt = try await Self.service(hsm, Self.security(label: label).login)
            let expired = try await jwt.issue(clientID: "udm", now: Date(timeIntervalSinceNow: -3600))
            #expect(throws: LoginError.self) { try jwt.verify(expired) }
            #expect(await jwt.clientID(forToken: expired) == nil)
            let future = try await jwt.issue(clientID: "udm", now: Date(timeIntervalSinceNow: 3600))
            #expect(throws: LoginError.self) { try jwt.verify(future) }
            let good = try await jwt.issue(clientID: "udm")
            #expect(await jwt.clientID(forToken: good) == "udm")
            // Tampered: another subject with the old signature.
            var parts = good.split(separator: ".").map(String.init)
            var claims = try JSONDecoder().decode(JWTClaims.self, from: Data(try #require(Base64URL.decode(parts[1]))))
            claims.sub = "admin"
            parts[1] = Base64URL.encode(try JSONEncoder().encode(claims))
            #expect(throws: LoginError.self) { try jwt.verify(parts.joined(separator: ".")) }
            // alg none, no signature.
            let none = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + parts[1] + "."
            #expect(throws: LoginError.self) { try jwt.verify(none) }
            // Another audience or issuer: a service configured differently refuses the token.
            var otherAudience = Self.security(label: label).login
            otherAudience.audience = "webconsole"
            let strict = try await Self.service(hsm, otherAudience)
            #expect(throws: LoginError.self) { try strict.verify(good) }
            var otherIssuer = Self.security(label: label).login
            otherIssuer.issuer = "elsewhere"
            let elsewhere = try await Self.service(hsm, otherIssuer)
            #expect(throws: LoginError.self) { try elsewhere.verify(good) }
        }
    }

    @Test("over HTTP an expired or tampered JWT is 401")
    func overHTTP() async throws {
        let label = uniqueLabel("jwt")
        let security = Self.security(label: label)
        try await withTestApp { _, hsm in
            let jwt = try await Self.service(hsm, security.login)
            try await withTestApp(security: security, jwt: jwt) { client, _ in
                let expired = try await jwt.issue(clientID: "udm", now: Date(timeIntervalSinceNow: -3600))
                let response = try await client.send(.get, "/pool/stats", headers: [.authorization: "Bearer \(expired)"])
                expectProblem(response, .unauthorized, "UNAUTHORIZED")
                let good = try await jwt.issue(clientID: "udm")
                let tampered = String(good.dropLast(2)) + (good.hasSuffix("AA") ? "BB" : "AA")
                let bad = try await client.send(.get, "/pool/stats", headers: [.authorization: "Bearer \(tampered)"])
                expectProblem(bad, .unauthorized, "UNAUTHORIZED")
            }
        }
    }
}
