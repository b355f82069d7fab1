import Testing

@testable import SSMServer

@Suite("The status page's recent traffic: a bounded ring of intervals per route")
struct RecentTrafficTests {
    static let layout = RecentTraffic.Layout(interval: .seconds(10), intervals: 6)

    @Test("counts requests, 4xx and 5xx in the interval of their time, oldest interval first")
    func intervals() {
        var traffic = RecentTraffic(layout: Self.layout)
        traffic.record(status: 200, duration: .milliseconds(1), now: .seconds(1))
        traffic.record(status: 404, duration: .milliseconds(1), now: .seconds(9))
        traffic.record(status: 503, duration: .milliseconds(1), now: .seconds(25))
        let series = traffic.series(now: .seconds(25))
        #expect(series.map(\.requests) == [0, 0, 0, 2, 0, 1])
        #expect(series[3].clientErrors == 1 && series[3].serverErrors == 0)
        #expect(series[5].serverErrors == 1 && series[5].clientErrors == 0)
    }

    @Test("intervals older than the window are forgotten, and a reused slot starts from zero")
    func window() {
        var traffic = RecentTraffic(layout: Self.layout)
        for second in 0..<60 { traffic.record(status: 200, duration: .milliseconds(1), now: .seconds(second)) }
        #expect(traffic.series(now: .seconds(59)).map(\.requests) == [10, 10, 10, 10, 10, 10])
        // 60 s later nothing is left; a request then reuses the first slot.
        #expect(traffic.series(now: .seconds(119)).map(\.requests) == [0, 0, 0, 0, 0, 0])
        traffic.record(status: 200, duration: .milliseconds(1), now: .seconds(121))
        #expect(traffic.series(now: .seconds(121)).map(\.requests) == [0, 0, 0, 0, 0, 1])
    }

    @Test("percentiles are the upper bound of the histogram bucket holding the rank")
    func percentiles() {
        var bucket = RecentTraffic.Bucket()
        #expect(RecentTraffic.percentile(0.5, of: bucket) == nil)
        var traffic = RecentTraffic(layout: Self.layout)
        for _ in 0..<98 { traffic.record(status: 200, duration: .microseconds(700), now: .seconds(1)) }
        traffic.record(status: 200, duration: .milliseconds(40), now: .seconds(1))
        traffic.record(status: 200, duration: .seconds(60), now: .seconds(1))
        bucket = traffic.series(now: .seconds(1)).last ?? bucket
        #expect(RecentTraffic.percentile(0.5, of: bucket) == .milliseconds(1))
        #expect(RecentTraffic.percentile(0.99, of: bucket) == .milliseconds(50))
        // Slower than every bound: the largest bound.
        #expect(RecentTraffic.percentile(1, of: bucket) == .seconds(10))
    }

    @Test("the history keeps one slot per method and route, lists busy routes first and rates the last minute")
    func history() {
        let origin = ContinuousClock.now
        let history = TrafficHistory(layout: RecentTraffic.Layout(interval: .seconds(10), intervals: 30), origin: origin)
        let encrypt = history.slot(method: "POST", route: "/encrypt-pool")
        #expect(history.slot(method: "POST", route: "/encrypt-pool") === encrypt)
        _ = history.slot(method: "GET", route: "/never-called")
        for second in 0..<120 { encrypt.record(status: 200, duration: .milliseconds(1), now: origin + .seconds(second)) }
        history.slot(method: "GET", route: "/ready").record(status: 503, duration: .milliseconds(1), now: origin + .seconds(119))
        let summary = history.summary(now: origin + .seconds(119))
        #expect(summary.map(\.route) == ["/encrypt-pool", "/ready"])
        #expect(summary[0].total.requests == 120 && summary[0].lastMinute.requests == 60)
        #expect(summary[0].series.count == 30)
        #expect(summary[1].total.serverErrors == 1)
        #expect(history.lastMinuteLength == .seconds(60))
    }
}
