/// The requests of one route over the last few minutes, for the status page: a ring of
/// ``Layout/intervals`` buckets of ``Layout/interval`` each (5 minutes of 10 s by default),
/// each holding the count, the 4xx and 5xx answers and a latency histogram. Fixed size
/// whatever the traffic; a pure value, told the time (``record(status:duration:now:)``), so
/// that tests drive it without waiting.
struct RecentTraffic: Sendable, Equatable {
    /// How the ring is cut.
    struct Layout: Sendable, Equatable {
        /// The length of one bucket.
        var interval: Duration = .seconds(10)
        /// How many buckets are kept (the window is `interval × intervals`).
        var intervals = 30

        /// The bucket number of `elapsed` (time since the history's origin).
        func index(_ elapsed: Duration) -> Int64 {
            let interval = self.interval.components
            let nanoseconds = { (d: (seconds: Int64, attoseconds: Int64)) in d.seconds * 1_000_000_000 + d.attoseconds / 1_000_000_000 }
            return nanoseconds(elapsed.components) / max(1, nanoseconds(interval))
        }
    }

    /// Upper bounds of the latency histogram's buckets (the last bucket is everything above).
    static let latencyBounds: [Duration] = ServerMetrics.requestBuckets

    /// One interval of one route.
    struct Bucket: Sendable, Equatable {
        /// The interval's number (``Layout/index(_:)``); a bucket of an older number is stale.
        var index: Int64 = -1
        var requests = 0
        var clientErrors = 0
        var serverErrors = 0
        /// Counts per ``latencyBounds`` bucket, plus one for slower requests.
        var latency = [Int](repeating: 0, count: RecentTraffic.latencyBounds.count + 1)

        mutating func add(_ other: Bucket) {
            requests += other.requests
            clientErrors += other.clientErrors
            serverErrors += other.serverErrors
            for slot in latency.indices { latency[slot] += other.latency[slot] }
        }
    }

    let layout: Layout
    /// Allocated at the first request, so that routes never called cost nothing.
    private var ring: [Bucket] = []

    init(layout: Layout = Layout()) {
        self.layout = layout
    }

    /// Counts one answered request at `now` (time since the history's origin).
    mutating func record(status: Int, duration: Duration, now: Duration) {
        if ring.isEmpty { ring = Array(repeating: Bucket(), count: layout.intervals) }
        let index = layout.index(now)
        let slot = Int(index % Int64(layout.intervals))
        if ring[slot].index != index { ring[slot] = Bucket(index: index) }
        ring[slot].requests += 1
        if status >= 500 {
            ring[slot].serverErrors += 1
        } else if status >= 400 {
            ring[slot].clientErrors += 1
        }
        let bucket = Self.latencyBounds.firstIndex { duration <= $0 } ?? Self.latencyBounds.count
        ring[slot].latency[bucket] += 1
    }

    /// The buckets of the window ending at `now`, oldest first (empty ones included).
    func series(now: Duration) -> [Bucket] {
        let last = layout.index(now)
        return (0..<Int64(layout.intervals)).map { offset in
            let index = last - Int64(layout.intervals) + 1 + offset
            guard index >= 0, !ring.isEmpty else { return Bucket(index: index) }
            let bucket = ring[Int(index % Int64(layout.intervals))]
            return bucket.index == index ? bucket : Bucket(index: index)
        }
    }

    /// The latency below which `fraction` of `bucket`'s requests were answered: the upper
    /// bound of the histogram bucket holding that rank (nil without requests; the largest
    /// bound when they were slower than every bound).
    static func percentile(_ fraction: Double, of bucket: Bucket) -> Duration? {
        guard bucket.requests > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(bucket.requests)).rounded(.up)))
        var seen = 0
        for (slot, count) in bucket.latency.enumerated() {
            seen += count
            if seen >= rank { return latencyBounds[min(slot, latencyBounds.count - 1)] }
        }
        return latencyBounds.last
    }
}
