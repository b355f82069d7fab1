@testable import SSMBench
import Testing

/// The report says whether the servers' PKCS#11 calls stayed on the fast lane through the HTTP
/// points (a point measured on the wider pool costs more).
@Suite("Fast-lane note in the report")
struct LaneReportTests {
    @Test("names the points during which the calls left the fast lane; says so when none did; silent without the metric")
    func laneNote() {
        let left = MarkdownReport.render(results(backOffs: [0, 1, 0]))
        #expect(left.contains("left the fast lane for the wider pool (for 10 s) during: /encrypt-pool 64 B c=32 (pool 10)"))
        #expect(!left.contains("c=4 (pool 10)") && !left.contains("c=64 (pool 10)"))

        let stayed = MarkdownReport.render(results(backOffs: [0, 0, 0]))
        #expect(stayed.contains("stayed on the fast lane through every HTTP point"))

        let unknown = MarkdownReport.render(results(backOffs: [nil, nil, nil]))
        #expect(!unknown.contains("**Fast lane.**"))
    }

    /// `/encrypt-pool` at 4, 32 and 64 connections with these back-off counts.
    private func results(backOffs: [Int?]) -> BenchResults {
        let plan = BenchPlan(
            payloads: [64], concurrency: [4, 32, 64], poolSizes: [10], secondsPerPoint: 1, inProcessSeconds: 1, rawThreads: 2,
            keepAliveConnections: 0, serverLogLevel: "warning")
        let machine = MachineInfo(
            cpu: "test", cores: 2, memoryMiB: 1024, kernel: "Linux", softHSM: "2.6.1", wrk: "wrk", loadAverageAtStart: "0",
            loadAverageAtEnd: "0")
        var results = BenchResults(started: "", elapsedSeconds: 0, machine: machine, plan: plan, serverEnvironment: [:])
        results.http = zip([4, 32, 64], backOffs).map { concurrency, backOffs in
            HTTPResult(
                route: "/encrypt-pool", poolSize: 10, payload: 64, concurrency: concurrency, requestsPerSecond: 10_000,
                p50Milliseconds: 1, p99Milliseconds: 2, meanMilliseconds: 1, maxMilliseconds: 3, requests: 10_000, errors: 0,
                serverCPUMicrosecondsPerRequest: 100, laneBackOffs: backOffs)
        }
        return results
    }
}
