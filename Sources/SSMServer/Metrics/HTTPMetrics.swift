import Atomics
import HTTPTypes
import Hummingbird
import Prometheus

/// `ssm_http_requests_total{method,route,status}` and
/// `ssm_http_request_duration_seconds{method,route}`.
///
/// `route` is the route's pattern as registered (`/encrypt`, `/crypto/encrypt`), never the
/// raw path: a request that matched no route is `unmatched` (a 405 on a known path keeps
/// the path), and a method outside the standard ones is `OTHER`, so no client can grow the
/// number of series.
///
/// The metric objects of each registered route are kept here, in a dictionary fixed when
/// the router is built, and made on first use without a lock (`ManagedAtomicLazyReference`):
/// recording costs a dictionary lookup and what swift-prometheus does, nothing more. Each
/// request is also counted in ``TrafficHistory`` (the status page's last minutes), under the
/// same route label.
final class HTTPMetrics: Sendable {
    struct RouteKey: Hashable, Sendable {
        var method: HTTPRequest.Method
        var path: String
    }

    /// The label of requests that matched no route.
    static let unmatched = "unmatched"
    static let requestsName = "ssm_http_requests_total"
    static let durationName = "ssm_http_request_duration_seconds"
    static let requestsHelp = "HTTP requests answered, by method, route pattern and status."
    static let durationHelp = "Time to answer an HTTP request, by method and route pattern."
    private static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]

    let registry: PrometheusCollectorRegistry
    let traffic: TrafficHistory
    private let routes: [RouteKey: RouteMetrics]

    /// Metrics for `routes`, the (method, path) pairs the router serves.
    init(registry: PrometheusCollectorRegistry, traffic: TrafficHistory = TrafficHistory(), routes: [(HTTPRequest.Method, String)]) {
        self.registry = registry
        self.traffic = traffic
        var table: [RouteKey: RouteMetrics] = [:]
        for (method, path) in routes {
            // As Hummingbird reports the matched route in `endpointPath`.
            let pattern = RouterPath(path).description
            table[RouteKey(method: method, path: pattern)] = RouteMetrics(
                registry: registry, method: method.rawValue, route: pattern,
                recent: traffic.slot(method: method.rawValue, route: pattern))
        }
        self.routes = table
    }

    /// Records one answered request.
    ///
    /// - Parameters:
    ///   - endpoint: the route pattern Hummingbird matched (`context.endpointPath`).
    ///   - fallbackRoute: the label when `endpoint` is no registered route.
    func record(
        method: HTTPRequest.Method, endpoint: String?, fallbackRoute: @autoclosure () -> String, status: Int,
        duration: Duration
    ) {
        if let endpoint, let route = routes[RouteKey(method: method, path: endpoint)] {
            route.record(status: status, duration: duration)
            return
        }
        // Not a route: rare, so the registry's own (locked) lookup is good enough.
        let methodLabel = Self.standardMethods.contains(method.rawValue) ? method.rawValue : "OTHER"
        let route = fallbackRoute()
        traffic.slot(method: methodLabel, route: route).record(status: status, duration: duration)
        registry.counter(
            Self.requestsName, help: Self.requestsHelp,
            labels: [("method", methodLabel), ("route", route), ("status", String(status))]
        ).increment()
        registry.durationHistogram(
            Self.durationName, help: Self.durationHelp, labels: [("method", methodLabel), ("route", route)],
            buckets: ServerMetrics.requestBuckets
        ).record(duration)
    }
}

/// The metric objects of one route and method, made on first use.
final class RouteMetrics: Sendable {
    /// Statuses given a counter slot of their own; others go through the registry.
    private static let commonStatuses = [200, 201, 400, 404, 405, 409, 413, 500, 502, 503]

    private let registry: PrometheusCollectorRegistry
    private let method: String
    private let route: String
    private let duration = ManagedAtomicLazyReference<DurationHistogram>()
    private let counters: [ManagedAtomicLazyReference<Counter>]
    private let recent: TrafficHistory.Slot

    init(registry: PrometheusCollectorRegistry, method: String, route: String, recent: TrafficHistory.Slot) {
        self.registry = registry
        self.method = method
        self.route = route
        self.recent = recent
        self.counters = Self.commonStatuses.map { _ in ManagedAtomicLazyReference<Counter>() }
    }

    func record(status: Int, duration: Duration) {
        counter(status: status).increment()
        histogram().record(duration)
        recent.record(status: status, duration: duration)
    }

    private func histogram() -> DurationHistogram {
        if let histogram = duration.load() { return histogram }
        return duration.storeIfNilThenLoad(
            registry.durationHistogram(
                HTTPMetrics.durationName, help: HTTPMetrics.durationHelp, labels: [("method", method), ("route", route)],
                buckets: ServerMetrics.requestBuckets))
    }

    private func counter(status: Int) -> Counter {
        let make = {
            self.registry.counter(
                HTTPMetrics.requestsName, help: HTTPMetrics.requestsHelp,
                labels: [("method", self.method), ("route", self.route), ("status", String(status))])
        }
        guard let slot = Self.commonStatuses.firstIndex(of: status) else { return make() }
        if let counter = counters[slot].load() { return counter }
        // The registry hands out one object per label set, so a lost race stores the same one.
        return counters[slot].storeIfNilThenLoad(make())
    }
}
