import Foundation
import Prometheus
import SSMCore
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
///   `ssm_hsm_login_refusals_total`, read when scraped from ``SSMCore/LoginStatus``;
/// - `ssm_pkcs11_fast_lane` (1 while calls take the fast lane, 0 while they use the wide pool)
///   and `ssm_pkcs11_fast_lane_backoffs_total`, read when scraped from ``SSMCore/FastLaneStatus``
///   (absent when `pkcs11.adaptive` is off).
/// - with an audit log, read when scraped: `ssm_audit_log_failed` (1 once a write failed
///   after its retries), `ssm_audit_write_retries_total`, `ssm_audit_seals_total`,
///   `ssm_audit_seal_failures_total`;
/// - with TLS: `ssm_tls_certificate_expiry_timestamp_seconds`, the server certificate's
///   `notAfter` (Unix time), set at start.
///
/// Beside the registry, ``traffic`` keeps every route's requests of the last minutes for the
/// status page (`GET /ui`).
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
    private let refusals: TotalCounter
    private let fastLane: @Sendable () -> FastLaneStatus
    private let fastLaneMetrics: (onLane: Gauge, backOffs: TotalCounter)?
    private let audit = Mutex<AuditLog?>(nil)
    private let auditMetrics: (failed: Gauge, retries: Counter, seals: Counter, sealFailures: Counter)
    private let auditReported = Mutex(AuditLog.Statistics())
    private let certificateExpiry = Mutex<Date?>(nil)
    /// Every route's requests of the last minutes (the status page's rates and latencies).
    let traffic = TrafficHistory()

    /// The name of the server certificate's expiry gauge.
    static let certificateExpiryName = "ssm_tls_certificate_expiry_timestamp_seconds"

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
    ///   - fastLane: read at every scrape for the `ssm_pkcs11_fast_lane*` metrics; read once
    ///     now to decide whether they exist.
    public init(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        circuitState: @escaping @Sendable () -> CircuitState = { .closed },
        loginStatus: @escaping @Sendable () -> LoginStatus = { LoginStatus() },
        fastLane: @escaping @Sendable () -> FastLaneStatus = { FastLaneStatus() }
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
        self.refusals = TotalCounter(
            registry.counter(
                "ssm_hsm_login_refusals_total", help: "Logins the token refused (CKR_PIN_INCORRECT, CKR_PIN_LOCKED, ...)."))
        self.fastLane = fastLane
        self.fastLaneMetrics =
            fastLane().onLane == nil
            ? nil
            : (
                registry.gauge(
                    "ssm_pkcs11_fast_lane",
                    help: "1 while PKCS#11 calls run on the fast lane (a thread per core), 0 while they use the pkcs11.threads pool."),
                TotalCounter(
                    registry.counter(
                        "ssm_pkcs11_fast_lane_backoffs_total",
                        help: "Times the module answered too slowly for the fast lane (or a call hung) and calls moved to the pool for 10 s."))
            )
        circuitGauge.set(Self.gaugeValue(.closed))
        auditMetrics = (
            registry.gauge("ssm_audit_log_failed", help: "1 when the audit log could not be written (after retries), else 0."),
            registry.counter("ssm_audit_write_retries_total", help: "Audit log writes that failed and were tried again."),
            registry.counter("ssm_audit_seals_total", help: "Seals (HSM HMACs of the chain) written to the audit log."),
            registry.counter("ssm_audit_seal_failures_total", help: "Audit seals that could not be made or written.")
        )
    }

    /// The Prometheus text exposition, with the values read at scrape time brought up to date.
    func exposition(pool statistics: PoolStatistics) -> [UInt8] {
        pool.update(statistics)
        circuitGauge.set(Self.gaugeValue(circuitState()))
        let login = loginStatus()
        waitingForPINGauge.set(login.waitingForPIN ? 1.0 : 0.0)
        refusals.advance(to: login.refusals)
        if let fastLaneMetrics {
            let status = fastLane()
            fastLaneMetrics.onLane.set(status.onLane == false ? 0.0 : 1.0)
            fastLaneMetrics.backOffs.advance(to: status.backOffs)
        }
        if let audit = audit.withLock({ $0 }) { updateAudit(audit) }
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

    /// Reports `log`'s state from now on (`ssm_audit_*`).
    func observe(_ log: AuditLog) {
        audit.withLock { $0 = log }
    }

    /// Reports the server certificate's `notAfter` from now on (the leaf of `tls.certificate`).
    func observeCertificate(notAfter: Date) {
        certificateExpiry.withLock { $0 = notAfter }
        registry.gauge(
            Self.certificateExpiryName,
            help: "When the server's TLS certificate (tls.certificate, its first) expires, in seconds since the Unix epoch."
        ).set(notAfter.timeIntervalSince1970)
    }

    /// The server certificate's `notAfter`, when TLS is on.
    var certificateNotAfter: Date? { certificateExpiry.withLock { $0 } }

    private func updateAudit(_ audit: AuditLog) {
        let now = audit.statistics
        auditMetrics.failed.set(audit.isHealthy ? 0.0 : 1.0)
        let before = auditReported.withLock { reported in
            defer { reported = now }
            return reported
        }
        auditMetrics.retries.increment(by: Int64(now.retries - before.retries))
        auditMetrics.seals.increment(by: Int64(now.seals - before.seals))
        auditMetrics.sealFailures.increment(by: Int64(now.sealFailures - before.sealFailures))
    }
}

/// A Prometheus counter that follows a running total kept elsewhere (read at each scrape): it
/// is advanced by what the total gained since the last reading, and never goes back.
final class TotalCounter: Sendable {
    private let counter: Counter
    /// The total already added to ``counter``.
    private let seen = Mutex<UInt64>(0)

    init(_ counter: Counter) {
        self.counter = counter
    }

    /// Adds what `total` gained since the last call.
    func advance(to total: UInt64) {
        seen.withLock { seen in
            if total > seen { counter.increment(by: Int64(clamping: total - seen)) }
            seen = max(seen, total)
        }
    }
}
