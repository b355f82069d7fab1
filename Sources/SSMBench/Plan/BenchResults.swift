/// Everything one `ssm-bench` run measured (written as `results.json`).
public struct BenchResults: Sendable, Codable {
    /// Format version of this file.
    public var schema = 1
    /// When the run started (RFC 3339, UTC).
    public var started: String
    /// Seconds the run took.
    public var elapsedSeconds: Double
    /// Where it ran.
    public var machine: MachineInfo
    /// What it measured.
    public var plan: BenchPlan
    /// The settings of the servers under test (`SSM_*` variables; the PIN is left out).
    public var serverEnvironment: [String: String]
    /// PKCS#11 encryption in-process, through the typed layer, without HTTP.
    public var raw: [RawResult] = []
    /// HTTP measurements: the trivial route and the crypto routes.
    public var http: [HTTPResult] = []
    /// `ResourcePool.withResource` with a trivial in-memory factory.
    public var pool: [PoolResult] = []
    /// Server memory.
    public var memory: MemoryResult?
    /// The targets, as ratios of this run's own figures.
    public var targets: [TargetResult] = []
    /// `/v1/transit/encrypt` batches against the raw AES-GCM ceiling (absent in older results).
    public var batch: [BatchResult]?
    /// The KMS v2 plugin's `Encrypt` beside `/v1/transit/encrypt` and `/encrypt-pool` (32 B; absent in earlier runs).
    public var kms: [KMSResult]?
    /// `/health-check` while `/encrypt-pool` waits on a 50 ms HSM (absent when the fault module
    /// was not available, or in earlier runs).
    public var slowHSM: SlowHSMResult?
    /// p11-kit's RPC, the existing way to share one HSM between processes, beside the same C loop
    /// in-process (absent in earlier runs; `skipped` says why when p11-kit is not installed).
    public var p11kit: P11KitResult?
}

/// One raw-ceiling measurement: PKCS#11 encryptions on reused sessions with a cached key handle.
public struct RawResult: Sendable, Codable, Hashable {
    /// `CKM_AES_CBC_PAD` (what `/encrypt-pool` with algorithm 1 uses) or `CKM_AES_GCM`.
    public var mechanism: String
    /// Plaintext bytes.
    public var payload: Int
    /// Threads, each with its own session.
    public var threads: Int
    /// Encryptions (`C_EncryptInit` + two `C_Encrypt`: size query and call) per second, all threads together.
    public var operationsPerSecond: Double
    /// Mean time of one encryption on one thread, microseconds.
    public var microsecondsPerOperation: Double
    /// CPU time of one encryption (the threads' own CPU clocks), microseconds: unlike the rates,
    /// not lowered by other work on the machine taking the cores.
    public var cpuMicrosecondsPerOperation: Double
}

/// One HTTP measurement point (one wrk run).
public struct HTTPResult: Sendable, Codable, Hashable {
    /// The route: `/health-check`, `/encrypt`, `/encrypt-pool` or `/decrypt`.
    public var route: String
    /// `pool.maxSize` of the server.
    public var poolSize: Int
    /// Plaintext bytes (0 for `/health-check`).
    public var payload: Int
    /// Connections.
    public var concurrency: Int
    /// Completed requests per second.
    public var requestsPerSecond: Double
    /// Median latency, milliseconds.
    public var p50Milliseconds: Double
    /// 99th-percentile latency, milliseconds.
    public var p99Milliseconds: Double
    /// Mean latency, milliseconds.
    public var meanMilliseconds: Double
    /// Largest latency, milliseconds.
    public var maxMilliseconds: Double
    /// Requests completed.
    public var requests: Int
    /// Answers other than 2xx/3xx, plus socket errors and timeouts (should be 0).
    public var errors: Int
    /// CPU time the server spent per request (user + system, all its threads), microseconds:
    /// less sensitive to other load on the machine than throughput.
    public var serverCPUMicrosecondsPerRequest: Double
    /// Times the server's PKCS#11 calls left the fast lane during the point
    /// (`ssm_pkcs11_fast_lane_backoffs_total`; nil when the server does not report it).
    public var laneBackOffs: Int? = nil
}

/// Pool acquire + release cost.
public struct PoolResult: Sendable, Codable, Hashable {
    /// `uncontended`, `contended` or `waiting`.
    public var name: String
    /// Borrowing tasks.
    public var tasks: Int
    /// The pool's `maxSize`.
    public var maxSize: Int
    /// Wall-clock nanoseconds per acquire + release (elapsed time / all tasks' operations).
    public var nanosecondsPerOperation: Double
    /// Operations done.
    public var operations: Int
}

/// Server memory (resident set size, `VmRSS` of `/proc/PID/status`), in KiB.
public struct MemoryResult: Sendable, Codable, Hashable {
    /// `pool.maxSize` of the server measured.
    public var poolSize: Int
    /// Ready, before any request.
    public var startedKiB: Int
    /// After one request per route and a short warm-up, with no connection open.
    public var idleKiB: Int
    /// Idle keep-alive connections kept open for `keepAliveKiB` and `keepAliveAfterEncryptKiB`.
    public var keepAliveConnections: Int
    /// With `keepAliveConnections` idle keep-alive connections open, each after one `GET /health-check`.
    public var keepAliveKiB: Int
    /// The same connections, each after one more request, `POST /encrypt-pool` (64 B).
    public var keepAliveAfterEncryptKiB: Int
    /// How many of them still answered a second request after the reading.
    public var keepAliveAnswered: Int
    /// The highest reading during the crypto routes' load (sampled every 100 ms).
    public var underLoadKiB: Int
    /// The process's peak (`VmHWM`) at the end.
    public var peakKiB: Int
}

/// One target of the issue, evaluated on this run's figures.
public struct TargetResult: Sendable, Codable, Hashable {
    /// What is checked.
    public var name: String
    /// The condition, e.g. `>= 0.9`.
    public var requirement: String
    /// The measured value the condition is applied to (a ratio or a quantity).
    public var value: Double?
    /// The unit of `value` (`x`, `ms`, `ns`, `MiB`).
    public var unit: String
    /// How the value was computed, from which figures.
    public var detail: String
    /// `pass`, `fail` or `n/a` (not measured in this run).
    public var verdict: String
}
