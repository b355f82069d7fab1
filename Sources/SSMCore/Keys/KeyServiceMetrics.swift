import CoreMetrics
import PKCS11

/// What ``KeyService`` measures of its HSM work, through swift-metrics.
///
/// The metric objects are made once, from the factory given here (never from the global
/// `MetricsSystem`, so each test can hand in a registry of its own), and reused by every
/// request:
///
/// - `ssm_hsm_operation_duration_seconds{operation}` (timer): how long an operation held
///   its session, key lookup included; one sample per attempt.
/// - `ssm_hsm_errors_total{operation,code}` (counter): PKCS#11 errors that failed an
///   operation, by `CKR_*` name (errors of this layer itself, such as a missing function,
///   by the error's kind).
/// - `ssm_pool_acquire_wait_seconds{source}` (timer): from asking for a session until the
///   operation started on it (`source` `pool`, or `per_request` for `/encrypt`'s own
///   sessions, where opening the session is included).
public struct KeyServiceMetrics: Sendable {
    /// Timer label of the operation durations.
    public static let operationDurationLabel = "ssm_hsm_operation_duration_seconds"
    /// Counter label of the PKCS#11 errors.
    public static let errorsLabel = "ssm_hsm_errors_total"
    /// Timer label of the session waits.
    public static let acquireWaitLabel = "ssm_pool_acquire_wait_seconds"

    /// Metrics that go nowhere (swift-metrics' no-op handler).
    public static let disabled = KeyServiceMetrics(factory: NOOPMetricsHandler.instance)

    private let factory: any MetricsFactory
    private let durations: [Operation: Timer]
    private let poolWait: Timer
    private let perRequestWait: Timer

    /// Creates the service's metrics with `factory` (e.g. a Prometheus factory over the
    /// registry `/metrics` serves).
    public init(factory: any MetricsFactory) {
        self.factory = factory
        var durations: [Operation: Timer] = [:]
        for operation in Operation.allCases {
            durations[operation] = Timer(
                label: Self.operationDurationLabel, dimensions: [("operation", operation.rawValue)], factory: factory)
        }
        self.durations = durations
        poolWait = Timer(label: Self.acquireWaitLabel, dimensions: [("source", "pool")], factory: factory)
        perRequestWait = Timer(label: Self.acquireWaitLabel, dimensions: [("source", "per_request")], factory: factory)
    }

    /// Records how long `operation` held its session.
    func recordDuration(_ operation: Operation, _ duration: Duration) {
        durations[operation]?.recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Records how long a request waited for its session.
    func recordWait(_ source: KeyService.SessionSource, _ duration: Duration) {
        let timer = source == .pool ? poolWait : perRequestWait
        timer.recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Counts `error` when it is a PKCS#11 error (other errors are the client's or the pool's
    /// and are counted elsewhere). Rare, so the counter is looked up in the factory here.
    func recordError(_ operation: Operation, _ error: any Error) {
        guard let error = error as? PKCS11Error else { return }
        Counter(
            label: Self.errorsLabel, dimensions: [("operation", operation.rawValue), ("code", Self.code(of: error))],
            factory: factory
        ).increment()
    }

    /// The `code` label of an error: the `CKR_*` name, else the kind of this layer's error.
    static func code(of error: PKCS11Error) -> String {
        switch error.kind {
        case .returnValue(let value): value.name
        case .loadFailed: "LOAD_FAILED"
        case .notAPKCS11Module: "NOT_A_PKCS11_MODULE"
        case .tokenNotFound: "TOKEN_NOT_FOUND"
        case .functionNotSupported: "FUNCTION_NOT_SUPPORTED"
        case .invalidArgument: "INVALID_ARGUMENT"
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : product &+ attoseconds / 1_000_000_000
    }
}
