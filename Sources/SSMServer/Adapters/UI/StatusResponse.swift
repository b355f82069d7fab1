import Foundation
import SSMCore

/// `GET /ui/status`: what the status page (`GET /ui`) shows, in one JSON object: the pool,
/// circuit and login exactly as `/pool/stats` has them, readiness, the requests of the last
/// minutes by route, the keys per namespace, the audit log and the TLS certificate.
struct StatusResponse: Encodable {
    /// The requests of one route over the window.
    struct Route: Encodable {
        var method: String
        var route: String
        /// Requests in the window.
        var requests: Int
        /// Requests per second over the last minute.
        var rate: Double
        var clientErrors: Int
        var serverErrors: Int
        /// Latency percentiles over the window, in milliseconds: the upper bound of the
        /// histogram bucket holding the rank (nil without requests).
        var p50Milliseconds: Double?
        var p99Milliseconds: Double?
        /// Requests per interval, oldest first.
        var series: [Int]

        enum CodingKeys: String, CodingKey {
            case method, route, requests, rate, series
            case clientErrors = "client_errors", serverErrors = "server_errors"
            case p50Milliseconds = "p50_ms", p99Milliseconds = "p99_ms"
        }
    }

    struct Traffic: Encodable {
        /// The length of one interval of `series`, and of the whole window.
        var intervalSeconds: Double
        var windowSeconds: Double
        /// The span `rate` is averaged over.
        var rateSeconds: Double
        /// Busiest first; routes without a request in the window are left out.
        var routes: [Route]

        enum CodingKeys: String, CodingKey {
            case intervalSeconds = "interval_s", windowSeconds = "window_s", rateSeconds = "rate_s", routes
        }
    }

    struct Keys: Encodable {
        /// By namespace (`ssm`, `transit`, `internal`), when counted.
        var namespaces: [String: KeyCensus.Count]?
        /// How old the count is (it is cached), in seconds.
        var ageSeconds: Double?
        /// Why the keys could not be counted (the HSM is unreachable, ...).
        var error: String?

        enum CodingKeys: String, CodingKey {
            case namespaces, ageSeconds = "age_s", error
        }
    }

    struct Audit: Encodable {
        var enabled: Bool
        var healthy: Bool?
        var failOpen: Bool?
        var retries: Int?
        var seals: Int?
        var sealFailures: Int?

        enum CodingKeys: String, CodingKey {
            case enabled, healthy, failOpen = "fail_open", retries, seals, sealFailures = "seal_failures"
        }
    }

    struct TLS: Encodable {
        var enabled: Bool
        /// The server certificate's `notAfter` (RFC 3339).
        var certificateNotAfter: String?
        var certificateDaysLeft: Double?

        enum CodingKeys: String, CodingKey {
            case enabled, certificateNotAfter = "certificate_not_after", certificateDaysLeft = "certificate_days_left"
        }
    }

    var time: String
    var token: String
    var ready: Bool
    var pool: PoolStatsResponse
    var traffic: Traffic
    var keys: Keys
    var audit: Audit
    var tls: TLS

    /// The traffic section from `history`'s summary at `now`.
    static func traffic(_ history: TrafficHistory, now: ContinuousClock.Instant = .now) -> Traffic {
        func milliseconds(_ duration: Duration?) -> Double? {
            duration.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }
        }
        let rateSeconds = seconds(history.lastMinuteLength)
        let routes = history.summary(now: now).map { summary in
            Route(
                method: summary.method, route: summary.route, requests: summary.total.requests,
                rate: Double(summary.lastMinute.requests) / rateSeconds,
                clientErrors: summary.total.clientErrors, serverErrors: summary.total.serverErrors,
                p50Milliseconds: milliseconds(RecentTraffic.percentile(0.5, of: summary.total)),
                p99Milliseconds: milliseconds(RecentTraffic.percentile(0.99, of: summary.total)),
                series: summary.series)
        }
        return Traffic(
            intervalSeconds: seconds(history.layout.interval),
            windowSeconds: seconds(history.layout.interval * history.layout.intervals), rateSeconds: rateSeconds,
            routes: routes)
    }

    /// The audit section of `log` (nil: no audit log).
    static func audit(_ log: AuditLog?) -> Audit {
        guard let log else { return Audit(enabled: false) }
        let statistics = log.statistics
        return Audit(
            enabled: true, healthy: log.isHealthy, failOpen: log.failOpen, retries: statistics.retries,
            seals: statistics.seals, sealFailures: statistics.sealFailures)
    }

    /// The TLS section, from the certificate's `notAfter` (nil: plain HTTP).
    static func tls(notAfter: Date?, now: Date = Date()) -> TLS {
        guard let notAfter else { return TLS(enabled: false) }
        return TLS(
            enabled: true, certificateNotAfter: Timestamp.format(secondsSince1970: Int(notAfter.timeIntervalSince1970)),
            certificateDaysLeft: (notAfter.timeIntervalSince(now) / 86_400 * 10).rounded() / 10)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
