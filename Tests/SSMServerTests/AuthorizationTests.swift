import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat
import SSMCore
@testable import SSMServer
import Testing

/// Clients and policies: every route against no credential, a wrong one, one outside its
/// policy and one inside it.
@Suite("Authorization")
struct AuthorizationTests {
    static let insideToken = "inside-token-0123456789"
    static let otherToken = "other-token-0123456789"

    /// `inside` may do everything on `allowed-*`; `other` may only administer a key no route names.
    static var security: SecurityConfiguration {
        var security = SecurityConfiguration()
        security.clients = ClientRegistry([
            Client(
                id: "inside", tokenSHA256: Client.tokenHash(insideToken),
                rules: [Client.Rule(operations: Set(Operation.allCases), keys: [Glob("allowed-*")])]),
            Client(
                id: "other", tokenSHA256: Client.tokenHash(otherToken),
                rules: [Client.Rule(operations: [.admin], keys: [Glob("nothing")])]),
        ])
        return security
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    /// A body that reaches every handler's label check.
    static func body(label: String) -> [String: any Sendable] {
        [
            "key_label": label, "plain": "00112233", "encryption_algorithm": 1, "cipher": "00112233445566778899aabbccddeeff",
            "iv": "00112233445566778899aabbccddeeff", "tag": "00112233445566778899aabbccddeeff", "id": 1,
            "key_value": "00", "key_type": "AES",
        ]
    }

    /// Every route as registered, with its access.
    static func classifiedRoutes(hsm: HSM) -> [(method: HTTPRequest.Method, path: String, access: RouteAccess)] {
        let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let routes = RouteRegistrar()
        addRoutes(to: routes, hsm: hsm, keys: KeyService(hsm: hsm, logger: logger), bodyLimit: 1024, metrics: ServerMetrics())
        return routes.classifiedRoutes
    }

    @Test("only /health-check (also under /crypto), /ready, /openapi.yaml, /login, Vault's /v1/sys/health and the status page's files are open; listing, stats, metrics and the status need a credential")
    func openRoutes() async throws {
        try await withTestApp { _, hsm in
            let open = Set(Self.classifiedRoutes(hsm: hsm).filter { $0.access == .open }.map(\.path))
            #expect(
                open == [
                    "/health-check", "/crypto/health-check", "/ready", "/openapi.yaml", "/login", "/v1/sys/health", "/ui", "/ui/app.js",
                    "/ui/app.css",
                ])
            let routes = Self.classifiedRoutes(hsm: hsm)
            #expect(routes.first { $0.path == "/pool/stats" }?.access == .global(.stats))
            #expect(routes.first { $0.path == "/get-all-keys" }?.access == .global(.list))
            #expect(routes.first { $0.path == "/metrics" }?.access == .global(.stats))
            #expect(routes.first { $0.path == "/ui/status" }?.access == .global(.stats))
        }
    }

    @Test("every route: no credential 401, wrong token 401, outside the policy 403, inside it neither")
    func everyRoute() async throws {
        try await withTestApp(security: Self.security) { client, hsm in
            for route in Self.classifiedRoutes(hsm: hsm) {
                let name = "\(route.method) \(route.path)"
                let hasBody = route.method != .get
                let allowedName = uniqueLabel("allowed")
                let inside = hasBody ? Self.body(label: allowedName) : nil
                // Path parameters: the key's name, a data-key type, a byte count, a hash, ...
                func concrete(_ key: String) -> String {
                    route.path.replacingOccurrences(of: "{name}", with: key)
                        .replacingOccurrences(of: "{type}", with: "plaintext")
                        .replacingOccurrences(of: "{source}/{bytes}", with: "platform/16").replacingOccurrences(of: "{source}", with: "16")
                        .replacingOccurrences(of: "{bytes}", with: "16").replacingOccurrences(of: "{hash}", with: "sha2-256")
                        .replacingOccurrences(of: "{algorithm}", with: "sha2-256").replacingOccurrences(of: "{destination}", with: key)
                        .replacingOccurrences(of: "{version}", with: "1")
                }
                // Vault's paths answer as Vault: 403 and {"errors": [...]} for a missing or wrong token.
                let vault = route.path.hasPrefix("/v1/")
                let path = concrete(allowedName)
                if route.access == .open {
                    let response = try await client.execute(uri: path, method: route.method)
                    #expect(response.status != .unauthorized && response.status != .forbidden, "\(name)")
                    continue
                }
                let none = try await client.send(route.method, path, inside)
                let wrong = try await client.send(route.method, path, inside, headers: Self.bearer("not-a-token"))
                let wrongVaultToken = try await client.send(route.method, path, inside, headers: [.vaultTokenForTests: "not-a-token"])
                if vault {
                    expectVaultError(none, .forbidden)
                    expectVaultError(wrong, .forbidden)
                    expectVaultError(wrongVaultToken, .forbidden)
                } else {
                    expectProblem(none, .unauthorized, "UNAUTHORIZED")
                    #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(name)")
                    expectProblem(wrong, .unauthorized, "UNAUTHORIZED")
                }
                if route.access == .authenticated {
                    // Any client's credential: the other client is allowed.
                    let other = try await client.send(route.method, path, inside, headers: [.vaultTokenForTests: Self.otherToken])
                    #expect(other.status != .forbidden && other.status != .unauthorized, "\(name): \(other.status)")
                    continue
                }
                // Outside: another label for keyed routes, another client for the others.
                let outside =
                    switch route.access {
                    case .bodyKey:
                        try await client.send(
                            route.method, path, Self.body(label: "forbidden-key"), headers: Self.bearer(Self.insideToken))
                    case .pathKey:
                        try await client.send(route.method, concrete("forbidden-key"), inside, headers: Self.bearer(Self.insideToken))
                    default:
                        try await client.send(route.method, path, inside, headers: Self.bearer(Self.otherToken))
                    }
                #expect(outside.status == .forbidden, "\(name): \(outside.status)")
                if vault {
                    expectVaultError(outside, .forbidden)
                } else {
                    #expect(outside.body.string("error") == "FORBIDDEN", "\(name)")
                }
                let other = try await client.send(route.method, path, inside, headers: Self.bearer(Self.otherToken))
                #expect(other.status == .forbidden, "\(name): another client's operation")
                // Vault's clients send X-Vault-Token.
                let allowed = try await client.execute(
                    uri: path, method: route.method,
                    headers: vault ? [.vaultTokenForTests: Self.insideToken] : Self.bearer(Self.insideToken),
                    body: inside.map { try JSONSerialization.data(withJSONObject: $0) }.map { ByteBuffer(data: $0) })
                #expect(allowed.status != .unauthorized && allowed.status != .forbidden, "\(name): \(allowed.status)")
            }
        }
    }

    @Test("inside the policy the operation happens; listing shows only the labels the client may list")
    func insideWorks() async throws {
        try await withTestApp(security: Self.security) { client, _ in
            let allowed = uniqueLabel("allowed")
            let hidden = uniqueLabel("hidden")
            let headers = Self.bearer(Self.insideToken)
            let made = try await client.send(.post, "/generate-aes-key", ["key_label": allowed, "bits": 256], headers: headers)
            #expect(made.status == .created)
            let denied = try await client.send(.post, "/generate-aes-key", ["key_label": hidden], headers: headers)
            expectProblem(denied, .forbidden, "FORBIDDEN")
            let sealed = try await client.send(
                .post, "/encrypt", ["key_label": allowed, "plain": "00112233", "encryption_algorithm": 1], headers: headers)
            #expect(sealed.status == .ok)
            let listed = try await client.send(.post, "/get-all-keys", [:], headers: headers)
            let labels = try #require(listed.body.object("keys_by_label")).values.keys
            #expect(labels.contains(allowed))
            #expect(labels.allSatisfy { $0.hasPrefix("allowed-") })
        }
    }

    @Test("a body-keyed route that answers success without authorizing its label is refused")
    func forgottenAuthorization() async throws {
        let routes = RouteRegistrar()
        routes.add(.post, ["/careless"], .bodyKey(.encrypt)) { _, _ in Response(status: .ok) }
        routes.add(.post, ["/careful"], .bodyKey(.encrypt)) { _, context in
            _ = try context.authorizedLabel("allowed-x")
            return Response(status: .ok)
        }
        let router = Router(context: SSMRequestContext.self)
        routes.register(on: router, gate: SecurityGate(clients: Self.security.clients))
        let app = Application(router: router, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.test(.router) { client in
            let headers = Self.bearer(Self.insideToken)
            let careless = try await client.execute(uri: "/careless", method: .post, headers: headers)
            let careful = try await client.execute(uri: "/careful", method: .post, headers: headers)
            #expect(careless.status == .forbidden)
            #expect(careful.status == .ok)
        }
    }

    @Test("without clients the API stays open")
    func openWithoutClients() async throws {
        try await withTestApp { client, _ in
            let response = try await client.send(.get, "/pool/stats")
            #expect(response.status == .ok)
        }
    }

    @Test("glob patterns")
    func globs() {
        #expect(Glob("KEY_*").matches("KEY_ENCRYPTION_AES256"))
        #expect(!Glob("KEY_*").matches("XKEY_"))
        #expect(Glob("a?c").matches("abc"))
        #expect(!Glob("a?c").matches("ac"))
        #expect(Glob("*").matches(""))
        #expect(Glob("*-prod-*").matches("app-prod-1"))
        #expect(!Glob("exact").matches("exactly"))
    }

    @Test("glob patterns compare bytes: canonically equivalent labels are different labels; ? is one scalar")
    func globsCompareBytes() {
        // "é" precomposed (U+00E9) and "e" + U+0301 are equal as Swift Strings, not as labels.
        #expect("caf\u{e9}-x" == "cafe\u{301}-x")
        #expect(Glob("caf\u{e9}*").matches("caf\u{e9}-x"))
        #expect(!Glob("caf\u{e9}*").matches("cafe\u{301}-x"))
        #expect(!Glob("cafe\u{301}*").matches("caf\u{e9}-x"))
        #expect(!Glob("caf\u{e9}-x").matches("cafe\u{301}-x"))
        #expect(Glob("caf?-x").matches("caf\u{e9}-x"))
        #expect(!Glob("caf?-x").matches("cafe\u{301}-x"))  // two scalars
        #expect(Glob("caf??-x").matches("cafe\u{301}-x"))
        #expect(Glob("*?b").matches("\u{e9}ab"))
        #expect(!Glob("*??").matches("\u{e9}"))
        #expect(Glob("?").matches("\u{1F511}"))  // four bytes, one scalar
        #expect(Glob("*x").matches("*ax"))  // a `*` in the label is no wildcard
    }

    @Test("a client allowed caf\u{e9}* is refused cafe\u{301}-x and allowed caf\u{e9}-x")
    func policyComparesBytes() async throws {
        var security = SecurityConfiguration()
        let token = "unicode-token-0123456789"
        security.clients = ClientRegistry([
            Client(
                id: "unicode", tokenSHA256: Client.tokenHash(token),
                rules: [Client.Rule(operations: Set(Operation.allCases), keys: [Glob("caf\u{e9}*")])])
        ])
        try await withTestApp(security: security) { client, _ in
            let headers = Self.bearer(token)
            let suffix = uniqueLabel("x")
            let refused = try await client.send(
                .post, "/generate-aes-key", ["key_label": "cafe\u{301}-\(suffix)", "bits": 256], headers: headers)
            expectProblem(refused, .forbidden, "FORBIDDEN")
            let allowed = try await client.send(
                .post, "/generate-aes-key", ["key_label": "caf\u{e9}-\(suffix)", "bits": 256], headers: headers)
            #expect(allowed.status == .created)
            let sealed = try await client.send(
                .post, "/encrypt", ["key_label": "caf\u{e9}-\(suffix)", "plain": "00", "encryption_algorithm": 1],
                headers: headers)
            #expect(sealed.status == .ok)
            let other = try await client.send(
                .post, "/encrypt", ["key_label": "cafe\u{301}-\(suffix)", "plain": "00", "encryption_algorithm": 1],
                headers: headers)
            expectProblem(other, .forbidden, "FORBIDDEN")
        }
    }

    @Test("token lookup compares hashes and finds the right client")
    func tokenLookup() {
        let registry = Self.security.clients
        #expect(registry.client(bearerToken: Self.insideToken)?.id == "inside")
        #expect(registry.client(bearerToken: Self.otherToken)?.id == "other")
        #expect(registry.client(bearerToken: Self.insideToken + "x") == nil)
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2], [1, 2, 3]))
    }
}

extension HTTPField.Name {
    static let vaultTokenForTests = HTTPField.Name("X-Vault-Token")!
}
