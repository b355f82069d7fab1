import Prometheus
import SSMCore
import SessionPool
import Synchronization

/// Everything `GET /metrics` serves, in one Prometheus registry of its own:
///
/// - HTTP: `ssm_http_requests_total{method,route,status}` and
///   `ssm_http_request_duration_seconds{method,route}` (``HTTPMetrics``);
/// - the key service's HSM calls: `ssm_hsm_operation_duration_seconds{operation}`,
///   `ssm_hsm_errors_total{operation,code}`, `ssm_pool_acquire_wait_seconds{source}`
///   (``SSMCore/KeyServiceMetrics``, through swift-metrics);
/// - the pool, read when scraped: `ssm_pool_*` (``PoolMetrics``);
/// - `ssm_hsm_circuit_state` (0 closed, 1 half-open, 2 open), read when scraped from the
///   closure given at creation;
/// - `ssm_hsm_login_waiting_for_pin` (1 when the token refused every PIN ssm holds) and
///   `ssm_hsm_login_refusals_total`, read when scraped from ``SSMCore/LoginStatus``.
///
/// Nothing here touches swift-metrics' global `MetricsSystem`: each application (and each
/// test) has its own registry, passed in or created here.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` emits.
    public let registry: PrometheusCollectorRegistry
    /// What to hand to ``SSMCore/KeyService/init(hsm:keyCacheTTL:logger:metrics:)``.
    public let keyService: KeyServiceMetrics
    let pool: PoolMetrics
    private let circuitState: @Sendable () -> CircuitState
    private let circuitGauge: Gauge
    private let loginStatus: @Sendable () -> LoginStatus
    private let waitingForPINGauge: Gauge
    private let refusalsCounter: Counter
    /// Refusals already added to ``refusalsCounter``.
    private let refusalsSeen = Mutex<UInt64>(0)

    /// Latency buckets of the HTTP routes.
    static let requestBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// Latency buckets of HSM operations.
    static let hsmBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    /// Buckets of the wait for a session (`acquireTimeout` is 5 s by default).
    static let waitBuckets: [Duration] = [
        .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(500), .milliseconds(1),
        .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Creates the metrics over `registry`.
    ///
    /// - Parameters:
    ///   - circuitState: read at every scrape for `ssm_hsm_circuit_state`; reports `closed`
    ///     until the HSM's circuit breaker is wired in.
    ///   - loginStatus: read at every scrape for the `ssm_hsm_login_*` metrics.
    public init(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        circuitState: @escaping @Sendable () -> CircuitState = { .closed },
        loginStatus: @escaping @Sendable () -> LoginStatus = { LoginStatus() }
    ) {
        self.registry = registry
        let factory = DescribedMetricsFactory(
            registry: registry,
            descriptions: [
                KeyServiceMetrics.operationDurationLabel: .init(
                    help: "Time an HSM operation held its session (key lookup included), by operation.",
                    buckets: Self.hsmBuckets),
                KeyServiceMetrics.errorsLabel: .init(
                    help: "PKCS#11 errors that failed an HSM operation, by operation and CKR_ code."),
                KeyServiceMetrics.acquireWaitLabel: .init(
                    help: "Wait from asking for an HSM session until the operation started on it, by source (pool, per_request).",
                    buckets: Self.waitBuckets),
            ])
        self.keyService = KeyServiceMetrics(factory: factory)
        self.pool = PoolMetrics(registry: registry)
        self.circuitState = circuitState
        self.circuitGauge = registry.gauge(
            "ssm_hsm_circuit_state", help: "State of the HSM circuit breaker: 0 closed, 1 half-open, 2 open.")
        self.loginStatus = loginStatus
        self.waitingForPINGauge = registry.gauge(
            "ssm_hsm_login_waiting_for_pin",
            help: "1 when the token refused every PIN ssm holds: no login is tried until a new PIN is configured (SIGHUP).")
        self.refusalsCounter = registry.counter(
            "ssm_hsm_login_refusals_total", help: "Logins the token refused (CKR_PIN_INCORRECT, CKR_PIN_LOCKED, ...).")
        circuitGauge.set(Self.gaugeValue(.closed))
    }

    /// The Prometheus text exposition, with the values read at scrape time brought up to date.
    func exposition(pool statistics: PoolStatistics) -> [UInt8] {
        pool.update(statistics)
        circuitGauge.set(Self.gaugeValue(circuitState()))
        let login = loginStatus()
        waitingForPINGauge.set(login.waitingForPIN ? 1.0 : 0.0)
        refusalsSeen.withLock { seen in
            if login.refusals > seen { refusalsCounter.increment(by: Int64(clamping: login.refusals - seen)) }
            seen = max(seen, login.refusals)
        }
        return registry.emitToBuffer()
    }

    /// `ssm_hsm_circuit_state`'s value: 0 closed, 1 half-open, 2 open.
    static func gaugeValue(_ state: CircuitState) -> Double {
        switch state {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
    }
}
