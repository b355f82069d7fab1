import Synchronization

/// The recent requests of every route (``RecentTraffic``), in memory, for the status page's
/// rates and latencies: bounded by the routes the server registers (a request that matched
/// none counts under `unmatched`), never by what clients send.
///
/// ``HTTPMetrics`` asks for one ``Slot`` per route when the router is built and records into
/// it with a lock of that route's own.
final class TrafficHistory: Sendable {
    /// The recent requests of one method and route pattern.
    final class Slot: Sendable {
        let method: String
        let route: String
        private let traffic: Mutex<RecentTraffic>
        private let origin: ContinuousClock.Instant

        fileprivate init(method: String, route: String, layout: RecentTraffic.Layout, origin: ContinuousClock.Instant) {
            self.method = method
            self.route = route
            self.traffic = Mutex(RecentTraffic(layout: layout))
            self.origin = origin
        }

        /// Counts one answered request, now.
        func record(status: Int, duration: Duration, now: ContinuousClock.Instant = .now) {
            let elapsed = now - origin
            traffic.withLock { $0.record(status: status, duration: duration, now: elapsed) }
        }

        fileprivate func series(now: ContinuousClock.Instant) -> [RecentTraffic.Bucket] {
            let elapsed = now - origin
            return traffic.withLock { $0.series(now: elapsed) }
        }
    }

    /// One route's figures over the window, as the status page shows them.
    struct RouteSummary: Sendable, Equatable {
        var method: String
        var route: String
        /// Requests per bucket, oldest first.
        var series: [Int]
        /// The whole window's bucket.
        var total: RecentTraffic.Bucket
        /// The last minute's bucket (or the whole window, when shorter).
        var lastMinute: RecentTraffic.Bucket
    }

    let layout: RecentTraffic.Layout
    private let origin: ContinuousClock.Instant
    private let slots = Mutex<[String: Slot]>([:])

    init(layout: RecentTraffic.Layout = RecentTraffic.Layout(), origin: ContinuousClock.Instant = .now) {
        self.layout = layout
        self.origin = origin
    }

    /// The slot of `method` on `route`, made on first use.
    func slot(method: String, route: String) -> Slot {
        slots.withLock { slots in
            let key = method + " " + route
            if let slot = slots[key] { return slot }
            let slot = Slot(method: method, route: route, layout: layout, origin: origin)
            slots[key] = slot
            return slot
        }
    }

    /// Every route that answered a request within the window ending at `now`, busiest first.
    func summary(now: ContinuousClock.Instant = .now) -> [RouteSummary] {
        let all = slots.withLock { Array($0.values) }
        let minute = minuteBuckets
        var routes: [RouteSummary] = []
        for slot in all {
            let series = slot.series(now: now)
            var total = RecentTraffic.Bucket()
            var lastMinute = RecentTraffic.Bucket()
            for (offset, bucket) in series.enumerated() {
                total.add(bucket)
                if offset >= series.count - minute { lastMinute.add(bucket) }
            }
            guard total.requests > 0 else { continue }
            routes.append(
                RouteSummary(
                    method: slot.method, route: slot.route, series: series.map(\.requests), total: total,
                    lastMinute: lastMinute))
        }
        return routes.sorted { ($0.total.requests, $1.route, $1.method) > ($1.total.requests, $0.route, $0.method) }
    }

    /// The length of "the last minute" in ``summary(now:)``: whole buckets, at most the window.
    var lastMinuteLength: Duration { layout.interval * minuteBuckets }

    private var minuteBuckets: Int { max(1, min(layout.intervals, Int(Duration.seconds(60) / layout.interval))) }
}
