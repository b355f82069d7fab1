@testable import SSMBench
import Testing

/// The target "/encrypt-pool ≥ p11-kit's RPC rate for the same payload", evaluated on fixed figures.
@Suite("p11-kit target")
struct P11KitTargetTests {
    @Test("best /encrypt-pool against the best RPC point of the same payload: pass at or above 1, fail below")
    func verdict() throws {
        for (pool, expected) in [(12_000.0, "pass"), (10_000.0, "pass"), (9_000.0, "fail")] {
            let target = Targets.p11KitTarget(
                results(pool: [(4, 64, 3_000), (32, 64, pool), (32, 1024, 50_000)], rpc: [7_000, 10_000]))
            #expect(target.verdict == expected, "\(pool)")
            #expect(target.value == pool / 10_000)
            #expect(target.detail.contains("2 threads"))
        }
    }

    @Test("errors on the best /encrypt-pool point fail it")
    func errors() {
        #expect(Targets.p11KitTarget(results(pool: [(32, 64, 20_000)], rpc: [10_000], poolErrors: 3)).verdict == "fail")
    }

    @Test("not measured: skipped (with the reason), absent, or no /encrypt-pool at the peer's payload")
    func notMeasured() {
        var skipped = results(pool: [(32, 64, 20_000)], rpc: [])
        skipped.p11kit?.skipped = "p11-kit not found in PATH"
        let target = Targets.p11KitTarget(skipped)
        #expect(target.verdict == "n/a" && target.value == nil && target.detail.contains("p11-kit not found in PATH"))

        var absent = results(pool: [(32, 64, 20_000)], rpc: [10_000])
        absent.p11kit = nil
        #expect(Targets.p11KitTarget(absent).verdict == "n/a")

        #expect(Targets.p11KitTarget(results(pool: [(32, 1024, 20_000)], rpc: [10_000])).verdict == "n/a")
    }

    /// A run with `/encrypt-pool` points (concurrency, payload, req/s) and p11-kit RPC rates on 1, 2, ... threads at 64 B.
    private func results(pool: [(Int, Int, Double)], rpc: [Double], poolErrors: Int = 0) -> BenchResults {
        let plan = BenchPlan(
            payloads: [64, 1024], concurrency: [4, 32], poolSizes: [10], secondsPerPoint: 1, inProcessSeconds: 1, rawThreads: 2,
            keepAliveConnections: 0, serverLogLevel: "warning")
        let machine = MachineInfo(
            cpu: "test", cores: 2, memoryMiB: 1024, kernel: "Linux", softHSM: "2.6.1", wrk: "wrk", loadAverageAtStart: "0",
            loadAverageAtEnd: "0")
        var results = BenchResults(started: "", elapsedSeconds: 0, machine: machine, plan: plan, serverEnvironment: [:])
        results.http = pool.map { concurrency, payload, rate in
            HTTPResult(
                route: "/encrypt-pool", poolSize: 10, payload: payload, concurrency: concurrency, requestsPerSecond: rate,
                p50Milliseconds: 1,
                p99Milliseconds: 2, meanMilliseconds: 1, maxMilliseconds: 3, requests: Int(rate), errors: poolErrors,
                serverCPUMicrosecondsPerRequest: 100)
        }
        let points = rpc.enumerated().map { index, rate in
            RawResult(
                mechanism: "CKM_AES_ECB", payload: 64, threads: index + 1, operationsPerSecond: rate,
                microsecondsPerOperation: 100,
                cpuMicrosecondsPerOperation: 50)
        }
        results.p11kit = P11KitResult(
            mechanism: "CKM_AES_ECB", payload: 64, serverCommand: "p11-kit server", version: nil, rpc: points, inProcess: points,
            skipped: nil)
        return results
    }
}
