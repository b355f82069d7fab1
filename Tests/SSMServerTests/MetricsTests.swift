import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PKCS11
import Prometheus
import SSMCore
import SSMServer
import SessionPool
import SoftHSMTestSupport
import Synchronization
import Testing

@Suite("GET /metrics: HTTP, pool, HSM calls and errors, circuit state")
struct MetricsTests {
    /// `GET /metrics`, checked for its status and content type, parsed.
    static func scrape(_ client: any TestClientProtocol) async throws -> PrometheusText {
        try await client.execute(uri: "/metrics", method: .get) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            return try PrometheusText(String(buffer: response.body))
        }
    }

    @Test("requests by route pattern and status; unknown paths and methods share fixed labels")
    func httpRequests() async throws {
        try await withTestApp(metrics: ServerMetrics()) { client, hsm in
            let label = uniqueLabel("metrics")
            let encrypt: [String: any Sendable] = ["key_label": label, "plain": "00112233", "encryption_algorithm": 1]
            #expect(try await client.send(.post, "/generate-aes-key", ["key_label": label]).status == .created)
            #expect(try await client.send(.post, "/encrypt-pool", encrypt).status == .ok)
            #expect(try await client.send(.post, "/encrypt-pool", encrypt).status == .ok)
            #expect(try await client.send(.post, "/crypto/encrypt-pool", ["key_label": uniqueLabel("none"), "plain": "00", "encryption_algorithm": 1]).status == .notFound)
            #expect(try await client.send(.get, "/no-such-\(UUID().uuidString)").status == .notFound)
            #expect(try await client.send(.get, "/no-such-\(UUID().uuidString)/x").status == .notFound)
            #expect(try await client.send(.get, "/encrypt-pool").status == .methodNotAllowed)
            let odd = try #require(HTTPRequest.Method("FROB"))
            #expect(try await client.send(odd, "/encrypt-pool/").status == .methodNotAllowed)

            let metrics = try await Self.scrape(client)
            let requests = "ssm_http_requests_total"
            #expect(metrics.value(requests, ["method": "POST", "route": "/generate-aes-key", "status": "201"]) == 1)
            #expect(metrics.value(requests, ["method": "POST", "route": "/encrypt-pool", "status": "200"]) == 2)
            #expect(metrics.value(requests, ["method": "POST", "route": "/crypto/encrypt-pool", "status": "404"]) == 1)
            #expect(metrics.value(requests, ["method": "GET", "route": "unmatched", "status": "404"]) == 2)
            #expect(metrics.value(requests, ["method": "GET", "route": "/encrypt-pool", "status": "405"]) == 1)
            #expect(metrics.value(requests, ["method": "OTHER", "route": "/encrypt-pool", "status": "405"]) == 1)
            let routes = Set(metrics.series(requests).compactMap { $0.labels["route"] })
            #expect(routes == ["/generate-aes-key", "/encrypt-pool", "/crypto/encrypt-pool", "unmatched"])
            #expect(metrics.help[requests] != nil)

            let duration = "ssm_http_request_duration_seconds"
            #expect(metrics.value(duration + "_count", ["method": "POST", "route": "/encrypt-pool"]) == 2)
            #expect(metrics.value(duration + "_bucket", ["method": "POST", "route": "/encrypt-pool", "le": "+Inf"]) == 2)

            // The key service's HSM work, through swift-metrics into the same registry.
            let operations = "ssm_hsm_operation_duration_seconds_count"
            #expect(metrics.value(operations, ["operation": "generate"]) == 1)
            #expect((metrics.value(operations, ["operation": "encrypt"]) ?? 0) >= 3)
            #expect((metrics.value("ssm_pool_acquire_wait_seconds_count", ["source": "pool"]) ?? 0) >= 4)
            #expect(metrics.help["ssm_hsm_operation_duration_seconds"] != nil)

            // The pool, read at the scrape.
            #expect(metrics.value("ssm_pool_max_size") == 4)
            #expect(metrics.value("ssm_pool_in_use") == 0)
            #expect(metrics.value("ssm_pool_waiters") == 0)
            #expect(metrics.value("ssm_hsm_circuit_state") == 0)
            #expect(metrics.value("ssm_pool_acquired_total") == Double(hsm.statistics().acquired))

            // Counters advance by what happened between scrapes.
            #expect(try await client.send(.post, "/encrypt", encrypt).status == .ok)
            let again = try await Self.scrape(client)
            #expect(again.value("ssm_pool_acquired_total") == Double(hsm.statistics().acquired))
            #expect(again.value("ssm_pool_size") == Double(hsm.statistics().currentSize))
            #expect(again.value("ssm_pool_acquire_wait_seconds_count", ["source": "per_request"]) == 1)
            #expect(again.value(requests, ["method": "GET", "route": "/metrics", "status": "200"]) == 1)
        }
    }

    @Test("ssm_hsm_circuit_state reports what the circuit-state closure says at each scrape")
    func circuitState() async throws {
        let breaker = FakeBreaker()
        let metrics = ServerMetrics(circuitState: { breaker.state })
        try await withTestApp(metrics: metrics) { client, _ in
            let open = try await Self.scrape(client)
            #expect(open.value("ssm_hsm_circuit_state") == 2)
            breaker.state = .halfOpen
            let halfOpen = try await Self.scrape(client)
            #expect(halfOpen.value("ssm_hsm_circuit_state") == 1)
        }
    }

    @Test("ssm_pkcs11_fast_lane and its back-offs follow the placement at each scrape; absent without a lane")
    func fastLane() async throws {
        let status = Mutex(FastLaneStatus(onLane: true, backOffs: 0))
        let metrics = ServerMetrics(fastLane: { status.withLock { $0 } })
        try await withTestApp(metrics: metrics) { client, _ in
            let onLane = try await Self.scrape(client)
            #expect(onLane.value("ssm_pkcs11_fast_lane") == 1)
            #expect(onLane.value("ssm_pkcs11_fast_lane_backoffs_total") == 0)
            status.withLock { $0 = FastLaneStatus(onLane: false, backOffs: 2) }
            let backingOff = try await Self.scrape(client)
            #expect(backingOff.value("ssm_pkcs11_fast_lane") == 0)
            #expect(backingOff.value("ssm_pkcs11_fast_lane_backoffs_total") == 2)
        }
        try await withTestApp(metrics: ServerMetrics()) { client, _ in
            let scraped = try await Self.scrape(client)
            #expect(scraped.value("ssm_pkcs11_fast_lane") == nil)
        }
    }

    @Test("a PKCS#11 error that fails an operation is counted by operation and CKR_ code")
    func errorsByCode() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()
        let token = fault.token
        let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let hsm = try await HSM.connect(
            HSMConfiguration(
                modulePath: fault.libraryPath, token: .label(token.label), pin: token.pinBytes,
                pool: PoolConfiguration(maxSize: 2, minSize: 0)),
            logger: logger)
        let registry = PrometheusCollectorRegistry()
        let metrics = ServerMetrics(registry: registry)
        let keys = KeyService(hsm: hsm, logger: logger, metrics: metrics.keyService)
        do {
            let label = uniqueLabel("errors")
            _ = try await keys.generate(.aes(bits: 256), label: label, id: nil)
            try fault.setRules("C_EncryptInit CKR_KEY_FUNCTION_NOT_PERMITTED count=2\n")
            for _ in 0..<2 {
                await #expect(throws: PKCS11Error.self) {
                    try await keys.encrypt(label: label, algorithm: .aes256, plaintext: [1, 2, 3])
                }
            }
            // Errors of the client's own making are not HSM errors.
            await #expect(throws: KeyServiceError.self) {
                try await keys.decrypt(
                    label: label, id: KeyID(rawValue: 1), algorithm: .aes256, ciphertext: [UInt8](repeating: 0, count: 15),
                    iv: [UInt8](repeating: 0, count: 16))
            }
            let text = try PrometheusText(registry.emitToString())
            #expect(text.value("ssm_hsm_errors_total", ["operation": "encrypt", "code": "CKR_KEY_FUNCTION_NOT_PERMITTED"]) == 2)
            #expect(text.series("ssm_hsm_errors_total").count == 1)
            #expect(text.help["ssm_hsm_errors_total"] != nil)
        } catch {
            await hsm.shutdown()
            throw error
        }
        await hsm.shutdown()
    }
}

/// A circuit breaker's state, set by the test.
final class FakeBreaker: Sendable {
    private let value = Mutex(CircuitState.open)

    var state: CircuitState {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
