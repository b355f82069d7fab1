/// What one `ssm-bench` run measures, and for how long.
public struct BenchPlan: Sendable, Codable, Hashable {
    /// Plaintext sizes in bytes for the crypto routes and the raw ceiling.
    public var payloads: [Int]
    /// HTTP connections kept busy by the load generator.
    public var concurrency: [Int]
    /// `pool.maxSize` of each server started (one server per size).
    public var poolSizes: [Int]
    /// Seconds of load per HTTP measurement point (wrk counts whole seconds).
    public var secondsPerPoint: Int
    /// Seconds of each in-process measurement (raw ceiling, pool overhead).
    public var inProcessSeconds: Double
    /// Threads of the multi-threaded raw ceiling (the machine's cores by default).
    public var rawThreads: Int
    /// Idle keep-alive connections opened for the memory measurement.
    public var keepAliveConnections: Int
    /// `log.level` of the servers under test.
    public var serverLogLevel: String
    /// wrk threads (one is enough below ~100k requests per second and leaves the most CPU to the server).
    public var loadThreads: Int
    /// Further environment variables of every server (e.g. `SSM_PKCS11_THREADS`, `MALLOC_ARENA_MAX`);
    /// they win over the bench's own settings.
    public var serverSettings: [String: String] = [:]

    /// Creates a plan.
    public init(
        payloads: [Int], concurrency: [Int], poolSizes: [Int], secondsPerPoint: Int, inProcessSeconds: Double,
        rawThreads: Int, keepAliveConnections: Int, serverLogLevel: String, loadThreads: Int = 1
    ) {
        self.payloads = payloads
        self.concurrency = concurrency
        self.poolSizes = poolSizes
        self.secondsPerPoint = secondsPerPoint
        self.inProcessSeconds = inProcessSeconds
        self.rawThreads = rawThreads
        self.keepAliveConnections = keepAliveConnections
        self.serverLogLevel = serverLogLevel
        self.loadThreads = loadThreads
    }

    /// The full run of issue 4: payloads 64 B, 1 KiB, 64 KiB; concurrency 1, 4, 32, 64; pool
    /// sizes 1, 2, 4, 10; 4 s per point (about 11 minutes on two cores).
    public static func full(cores: Int) -> BenchPlan {
        BenchPlan(
            payloads: [64, 1024, 65536], concurrency: [1, 4, 32, 64], poolSizes: [10, 4, 2, 1], secondsPerPoint: 4,
            inProcessSeconds: 2, rawThreads: max(2, cores), keepAliveConnections: 1000, serverLogLevel: "warning")
    }

    /// A tiny run that checks everything works: 64 B, concurrency 1 and 4, pool size 4, 1 s per point.
    public static func quick(cores: Int) -> BenchPlan {
        BenchPlan(
            payloads: [64], concurrency: [1, 4], poolSizes: [4], secondsPerPoint: 1, inProcessSeconds: 0.3,
            rawThreads: max(2, cores), keepAliveConnections: 1000, serverLogLevel: "warning")
    }

    /// The pool size whose server also measures the HTTP ceiling and memory, and whose figures
    /// the latency and `/encrypt` targets use: ssm's default (10) when planned, else the largest.
    public var referencePoolSize: Int {
        poolSizes.contains(10) ? 10 : (poolSizes.max() ?? 10)
    }

    /// The smallest payload (the throughput targets use it: 64 B in a full run).
    public var smallestPayload: Int { payloads.min() ?? 64 }

    /// Checks the plan; returns a message for the first problem.
    public func problem() -> String? {
        if payloads.isEmpty || payloads.contains(where: { $0 < 1 || $0 > 256 * 1024 }) {
            return "payloads must be 1 ... 262144 bytes"
        }
        if concurrency.isEmpty || concurrency.contains(where: { $0 < 1 || $0 > 4096 }) {
            return "concurrency must be 1 ... 4096"
        }
        if poolSizes.isEmpty || poolSizes.contains(where: { $0 < 1 || $0 > 1024 }) {
            return "pool sizes must be 1 ... 1024"
        }
        if secondsPerPoint < 1 { return "seconds per point must be at least 1" }
        if !(0.05...60).contains(inProcessSeconds) { return "in-process seconds must be 0.05 ... 60" }
        if rawThreads < 1 { return "raw threads must be at least 1" }
        if keepAliveConnections < 0 || keepAliveConnections > 10_000 { return "keep-alive connections must be 0 ... 10000" }
        return nil
    }
}
