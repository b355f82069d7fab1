import Foundation

/// Runs every measurement of a ``BenchPlan`` and returns the results with the targets evaluated.
///
/// In order: the raw ceiling R, p11-kit's RPC and the pool's overhead in this process; then, for each pool
/// size, an `ssm serve` child on the bench token — the reference size's server first, which
/// also measures the HTTP ceiling H (`/health-check`) and memory — loaded by wrk on
/// `/encrypt`, `/encrypt-pool` and `/decrypt` at every payload and concurrency.
public struct BenchRunner: Sendable {
    /// What to measure.
    public var plan: BenchPlan
    /// The token to work on.
    public var token: BenchToken
    /// The `ssm` executable started as the server (normally the one built beside `ssm-bench`).
    public var ssm: String
    /// The wrk executable.
    public var wrk: String
    /// The h2load executable (nghttp2), the load of the KMS plugin's gRPC socket.
    public var h2load: String
    /// The fault-injecting PKCS#11 module for the slow-HSM point, or why there is none.
    public var faultModule: Result<String, BenchError>
    /// A scratch directory for the Lua script, request bodies and server logs.
    public var workDirectory: String
    /// Receives one line per step.
    public var progress: @Sendable (String) -> Void

    /// Creates a runner.
    public init(
        plan: BenchPlan, token: BenchToken, ssm: String, wrk: String, h2load: String, faultModule: Result<String, BenchError>,
        workDirectory: String, progress: @escaping @Sendable (String) -> Void
    ) {
        self.plan = plan
        self.token = token
        self.ssm = ssm
        self.wrk = wrk
        self.h2load = h2load
        self.faultModule = faultModule
        self.workDirectory = workDirectory
        self.progress = progress
    }

    /// Runs the plan.
    public func run() async throws -> BenchResults {
        let clock = ContinuousClock.now
        raiseOpenFileLimit()
        try token.ensureKey(ssm: ssm)
        let loader = Wrk(executable: wrk, directory: workDirectory, threads: plan.loadThreads)
        try loader.install()
        var results = BenchResults(
            started: Date.now.ISO8601Format(), elapsedSeconds: 0, machine: .current(wrk: wrk), plan: plan,
            serverEnvironment: serverSettings(poolSize: plan.referencePoolSize))

        progress("raw ceiling R: PKCS#11 in-process, 1 and \(plan.rawThreads) threads")
        results.raw = try await RawCeiling(token: token, seconds: plan.inProcessSeconds)
            .measure(payloads: plan.payloads, threadCounts: [1, plan.rawThreads])
        for raw in results.raw {
            progress("  \(raw.mechanism) \(Format.bytes(raw.payload)), \(raw.threads == 1 ? "1 thread" : "\(raw.threads) threads"): \(Format.rate(raw.operationsPerSecond)) ops/s")
        }
        results.p11kit = try await P11KitRPC(token: token, seconds: plan.inProcessSeconds, directory: workDirectory, progress: progress)
            .measure(payload: plan.smallestPayload, threadCounts: [1, plan.rawThreads])
        progress("pool acquire + release")
        results.pool = try await PoolOverhead(seconds: plan.inProcessSeconds, cores: results.machine.cores).measure()
        for pool in results.pool {
            progress("  \(pool.name) (\(pool.tasks) tasks, maxSize \(pool.maxSize)): \(Format.decimal(pool.nanosecondsPerOperation, 0)) ns/op")
        }

        let bodies = RequestBodies(directory: workDirectory)
        let sizes = [plan.referencePoolSize] + plan.poolSizes.filter { $0 != plan.referencePoolSize }
        var counter = HTTPPointCounter(total: plan.pointCount)
        for (index, size) in sizes.enumerated() {
            progress("server with pool.maxSize \(size)")
            let port = try await HTTPConnection.freePort()
            var settings = serverSettings(poolSize: size).merging(["SSM_SERVER_ADDRESS": "127.0.0.1:\(port)"]) { $1 }
            // The reference server also serves the KMS v2 plugin (a short path: a socket address holds 107 bytes).
            let kmsSocket = "/tmp/ssm-bench-kms-\(ProcessInfo.processInfo.processIdentifier).sock"
            if size == plan.referencePoolSize {
                settings["SSM_KMS_SOCKET"] = kmsSocket
                settings["SSM_KMS_KEY"] = KMSComparison.keyName
            }
            let server = try await ServerProcess(
                ssm: ssm, port: port, environment: token.serverEnvironment(settings), logPath: "\(workDirectory)/server-\(size).log")
            do {
                let started = server.memory().residentKiB
                if index == 0 { try await bodies.prepare(payloads: plan.payloads, server: server) }
                try await bodies.check(payloads: plan.payloads, server: server)
                _ = try await loader.run(
                    url: "http://127.0.0.1:\(port)/encrypt-pool", connections: 4, seconds: 1,
                    bodyFile: bodies.encryptFile(payload: plan.smallestPayload))
                var memory: MemoryResult?
                if size == plan.referencePoolSize {
                    try await Task.sleep(for: .milliseconds(500))
                    let idle = server.memory().residentKiB
                    for concurrency in plan.concurrency {
                        let point = try await measure(loader, server, route: "/health-check", poolSize: size, payload: 0, concurrency: concurrency, body: nil, counter: &counter)
                        results.http.append(point)
                    }
                    progress("  \(plan.keepAliveConnections) keep-alive connections")
                    let encryptBody = try [UInt8](Data(contentsOf: URL(fileURLWithPath: bodies.encryptFile(payload: plan.smallestPayload))))
                    let keepAlive = try await server.keepAliveMemory(connections: plan.keepAliveConnections, encryptBody: encryptBody)
                    memory = MemoryResult(
                        poolSize: size, startedKiB: started, idleKiB: idle, keepAliveConnections: plan.keepAliveConnections,
                        keepAliveKiB: keepAlive.afterHealthCheckKiB, keepAliveAfterEncryptKiB: keepAlive.afterEncryptKiB,
                        keepAliveAnswered: keepAlive.answered, underLoadKiB: 0, peakKiB: 0)
                    progress(
                        "  RSS: started \(started) KiB, idle \(idle) KiB, \(plan.keepAliveConnections) keep-alive \(keepAlive.afterHealthCheckKiB) KiB, "
                            + "after /encrypt-pool on each \(keepAlive.afterEncryptKiB) KiB")
                }
                let sampler = MemorySampler(server)
                // `/encrypt` last: a session per request at high concurrency makes SoftHSM's calls
                // wait on each other for milliseconds, which can move the adaptive placement's calls
                // off its fast lane for 10 s (docs/blocking-calls.md): measured before
                // another route, it would slow that route's first points.
                for route in ["/encrypt-pool", "/decrypt", "/encrypt"] {
                    for payload in plan.payloads {
                        let body = route == "/decrypt" ? bodies.decryptFile(payload: payload) : bodies.encryptFile(payload: payload)
                        for concurrency in plan.concurrency {
                            results.http.append(
                                try await measure(loader, server, route: route, poolSize: size, payload: payload, concurrency: concurrency, body: body, counter: &counter))
                        }
                    }
                }
                let underLoad = sampler.stop()
                if size == plan.referencePoolSize {
                    // The back-off `/encrypt` may have started (10 s) ends before the next measurements.
                    try await Task.sleep(for: .seconds(11))
                    results.batch = try await measureBatches(loader, server, raw: results.raw, cores: results.machine.cores)
                    progress("  KMS v2 Encrypt (32 B) over the socket, beside /v1/transit/encrypt and /encrypt-pool (HTTP)")
                    results.kms = try await KMSComparison(
                        loader: loader, grpcLoader: H2Load(executable: h2load, directory: workDirectory), directory: workDirectory,
                        seconds: plan.secondsPerPoint
                    ).measure(server: server, socketPath: kmsSocket, concurrency: KMSComparison.concurrency)
                    for point in results.kms ?? [] {
                        progress(
                            "  \(point.series) c=\(point.concurrency): \(Format.rate(point.requestsPerSecond)) req/s, "
                                + "p50 \(Format.milliseconds(point.p50Milliseconds)), p99 \(Format.milliseconds(point.p99Milliseconds))"
                                + (point.serverCPUMicrosecondsPerRequest.map { ", CPU \(Format.decimal($0, 0)) µs/req" } ?? "")
                                + (point.errors > 0 ? ", \(point.errors) errors" : ""))
                    }
                }
                if var measured = memory {
                    measured.underLoadKiB = underLoad
                    measured.peakKiB = server.memory().peakKiB
                    results.memory = measured
                    progress("  RSS under load: \(underLoad) KiB (peak \(measured.peakKiB) KiB)")
                }
            } catch {
                await server.stop()
                throw BenchError("\(error)\nserver log:\n\(server.log())")
            }
            await server.stop()
        }
        results.slowHSM = try await measureSlowHSM(loader, encryptBody: bodies.encryptFile(payload: plan.smallestPayload))
        results.targets = Targets.evaluate(results)
        results.machine.loadAverageAtEnd = MachineInfo.loadAverage()
        results.elapsedSeconds = (ContinuousClock.now - clock).inSeconds
        return results
    }

    /// The `SSM_*` settings of the server with `pool.maxSize` `poolSize` (besides the token's and the address).
    func serverSettings(poolSize: Int) -> [String: String] {
        [
            "SSM_POOL_MAX_SIZE": "\(poolSize)", "SSM_POOL_MIN_SIZE": "\(poolSize)",
            "SSM_LOG_LEVEL": plan.serverLogLevel,
        ].merging(plan.serverSettings) { $1 }
    }

    /// `/health-check` at one connection while 32 connections encrypt on a 50 ms HSM; nil (said
    /// in the progress) without the fault module.
    private func measureSlowHSM(_ loader: Wrk, encryptBody: String) async throws -> SlowHSMResult? {
        let delay = SlowHSMIsolation.delayMilliseconds
        switch faultModule {
        case .failure(let reason):
            progress("\(delay) ms HSM: skipped (\(reason))")
            return nil
        case .success(let module):
            progress("\(delay) ms HSM (fault module): /health-check at 1 connection while \(SlowHSMIsolation.encryptConnections) encrypt")
            let result = try await SlowHSMIsolation(
                loader: loader, token: token, ssm: ssm,
                faultModule: module, directory: workDirectory, seconds: plan.secondsPerPoint
            ).measure(settings: serverSettings(poolSize: plan.referencePoolSize), encryptBody: encryptBody)
            progress(
                "  /health-check p50 \(Format.milliseconds(result.healthP50Milliseconds)), p99 \(Format.milliseconds(result.healthP99Milliseconds)), "
                    + "max \(Format.milliseconds(result.healthMaxMilliseconds)); /encrypt-pool \(Format.rate(result.encryptRequestsPerSecond)) req/s"
                    + (result.encryptErrors + result.healthErrors > 0 ? ", \(result.encryptErrors + result.healthErrors) errors" : ""))
            return result
        }
    }

    /// `/v1/transit/encrypt` batches of 100 items of the smallest payload, with as many connections as
    /// cores (each batch keeps one session busy, so more only contend inside the HSM) and as
    /// many as the pool has sessions.
    private func measureBatches(_ loader: Wrk, _ server: ServerProcess, raw: [RawResult], cores: Int) async throws -> [BatchResult] {
        progress("  /v1/transit/encrypt batches (100 items) against the raw AES-GCM ceiling")
        let results = try await BatchThroughput(loader: loader, directory: workDirectory, seconds: plan.secondsPerPoint)
            .measure(server: server, payload: plan.smallestPayload, batchSize: 100,
                connections: Array(Set([max(1, min(cores, plan.referencePoolSize)), plan.referencePoolSize])).sorted(), raw: raw)
        for result in results {
            progress(
                "  batch \(result.batchSize) × \(Format.bytes(result.payload)) c=\(result.concurrency): \(Format.rate(result.itemsPerSecond)) items/s, "
                    + "\(Format.decimal(result.ratio, 2)) of R (\(Format.rate(result.rawOperationsPerSecond)) ops/s)")
        }
        return results
    }

    private func measure(
        _ loader: Wrk, _ server: ServerProcess, route: String, poolSize: Int, payload: Int, concurrency: Int, body: String?,
        counter: inout HTTPPointCounter
    ) async throws -> HTTPResult {
        let backOffsBefore = await server.laneBackOffs()
        let cpuBefore = server.cpuSeconds()
        let report = try await loader.run(
            url: "http://127.0.0.1:\(server.port)\(route)", connections: concurrency, seconds: plan.secondsPerPoint, bodyFile: body)
        let cpu = server.cpuSeconds() - cpuBefore
        let backOffsAfter = await server.laneBackOffs()
        let seconds = report.durationMicroseconds / 1e6
        let result = HTTPResult(
            route: route, poolSize: poolSize, payload: payload, concurrency: concurrency,
            requestsPerSecond: seconds > 0 ? Double(report.requests) / seconds : 0,
            p50Milliseconds: report.p50Microseconds / 1000, p99Milliseconds: report.p99Microseconds / 1000,
            meanMilliseconds: report.meanMicroseconds / 1000, maxMilliseconds: report.maxMicroseconds / 1000,
            requests: report.requests, errors: report.errors,
            serverCPUMicrosecondsPerRequest: report.requests > 0 ? cpu / Double(report.requests) * 1e6 : 0,
            laneBackOffs: backOffsBefore.flatMap { before in backOffsAfter.map { $0 - before } })
        counter.count += 1
        progress(
            "  [\(counter.count)/\(counter.total)] pool \(poolSize) \(route) \(Format.bytes(payload)) c=\(concurrency): "
                + "\(Format.rate(result.requestsPerSecond)) req/s, p50 \(Format.milliseconds(result.p50Milliseconds)), "
                + "p99 \(Format.milliseconds(result.p99Milliseconds)), CPU \(Format.decimal(result.serverCPUMicrosecondsPerRequest, 0)) µs/req"
                + (result.errors > 0 ? ", \(result.errors) errors" : "")
                + ((result.laneBackOffs ?? 0) > 0 ? ", PKCS#11 calls left the fast lane" : ""))
        return result
    }
}

/// Counts HTTP points for the progress lines.
struct HTTPPointCounter {
    var count = 0
    let total: Int
}

extension BenchPlan {
    /// HTTP points of the run: the trivial route at each concurrency, plus every route × payload ×
    /// concurrency × pool size.
    public var pointCount: Int {
        concurrency.count + 3 * payloads.count * concurrency.count * poolSizes.count
    }

    /// About how long the run takes, in seconds (measurement time plus a few seconds per server).
    public var estimatedSeconds: Int {
        Int(Double((payloads.count + 1) * 2 + 3 + 4) * inProcessSeconds)
            + Int(Double(pointCount + 4 * KMSComparison.concurrency.count) * (Double(secondsPerPoint) + 0.25))
            + poolSizes.count * 6 + secondsPerPoint + 21
    }
}
