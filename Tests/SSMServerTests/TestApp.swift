import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat
import SoftHSMTestSupport
import SSMCore
import SSMServer
import Testing

/// Runs `body` against the full router, over a real HSM connection to the shared SoftHSM
/// test token (or `token`: its label and PIN; through `module` when given, e.g. the
/// fault-injecting one), reporting to `metrics` (a registry of the test's own; by default one
/// wired to the HSM's circuit and login); the HSM is shut down afterwards whatever happens.
/// `afterConnect` runs once the HSM is connected.
func withTestApp(
    pool: PoolConfiguration = PoolConfiguration(maxSize: 4, minSize: 0, acquireTimeout: .seconds(5)),
    bodyLimit: Int = 1 << 20, module: String? = nil, token selected: (label: String, pin: String)? = nil,
    recovery: RecoveryConfiguration = RecoveryConfiguration(), placement: HSMCallPlacement? = nil, afterConnect: () -> Void = {},
    metrics: ServerMetrics? = nil, v1MaxBatch: Int = 1000,
    security: SecurityConfiguration = SecurityConfiguration(), audit: AuditLog? = nil, jwt: JWTService? = nil,
    _ body: @Sendable (any TestClientProtocol, HSM) async throws -> Void
) async throws {
    let token = try SoftHSMToken.shared()
    let configuration = HSMConfiguration(
        modulePath: module ?? token.modulePath, token: .label(selected?.label ?? token.label),
        pin: Array((selected?.pin ?? token.pin).utf8), pool: pool, placement: placement, recovery: recovery)
    let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
    let hsm = try await HSM.connect(configuration, logger: logger)
    afterConnect()
    let metrics = metrics ?? ServerMetrics(circuitState: { hsm.circuit().state }, loginStatus: { hsm.loginStatus() })
    let keys = KeyService(hsm: hsm, logger: logger, metrics: metrics.keyService)
    let router = buildRouter(
        hsm: hsm, keys: keys, bodyLimit: bodyLimit, metrics: metrics, v1MaxBatch: v1MaxBatch, security: security,
        audit: audit, jwt: jwt)
    let app = Application(router: router, logger: logger)
    do {
        try await app.test(.router) { client in try await body(client, hsm) }
    } catch {
        await hsm.shutdown()
        throw error
    }
    await hsm.shutdown()
}

/// A label no other test uses.
func uniqueLabel(_ prefix: String = "test") -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8))"
}

/// A response body as a JSON object.
struct JSONObject: @unchecked Sendable {  // immutable after creation; JSONSerialization values
    let values: [String: Any]

    init(_ buffer: ByteBuffer) throws {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: buffer))
        values = try #require(object as? [String: Any])
    }

    subscript(key: String) -> Any? { values[key] }
    func string(_ key: String) -> String? { values[key] as? String }
    func int(_ key: String) -> Int? { values[key] as? Int }
    func object(_ key: String) -> JSONObject? {
        (values[key] as? [String: Any]).map { JSONObject(values: $0) }
    }

    private init(values: [String: Any]) {
        self.values = values
    }
}

extension TestClientProtocol {
    /// Sends `json` (an object literal) and returns status, headers and decoded body.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, _ json: [String: any Sendable]? = nil, raw: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: JSONObject) {
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            (response.status, response.headers, try JSONObject(response.body))
        }
    }
}

/// Checks that a response is problem details with `status` and `code`.
func expectProblem(
    _ response: (status: HTTPResponse.Status, headers: HTTPFields, body: JSONObject),
    _ status: HTTPResponse.Status, _ code: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    #expect(response.body.string("error") == code, sourceLocation: sourceLocation)
    #expect(response.body.int("status") == Int(status.code), sourceLocation: sourceLocation)
    #expect(response.body.string("title") != nil, sourceLocation: sourceLocation)
    #expect(response.body.string("detail") != nil, sourceLocation: sourceLocation)
    #expect(response.body.string("instance")?.hasPrefix("/") == true, sourceLocation: sourceLocation)
}
