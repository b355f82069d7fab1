import ArgumentParser
import Foundation
import SSMBench

/// `ssm-bench`: measures ssm against the machine's own ceilings and writes a results folder.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssm-bench",
        abstract: "Measure throughput, latency, pool overhead and memory; write results.md, results.json and chart.svg.",
        discussion: """
            Starts `ssm serve` children (the ssm executable beside this one, unless --server names \
            another) on a SoftHSM token (a new one in a temporary directory unless \
            --token-dir is given) and loads them with wrk. The full run takes about 11 minutes on two \
            cores; --quick takes about 20 seconds. See docs/performance.md.
            """
    )

    @Option(name: .shortAndLong, help: "Results folder (default: docs/bench/<date>).")
    var output: String?

    @Flag(help: "Tiny run: 64 B, concurrency 1 and 4, pool size 4, 1 s per point.")
    var quick = false

    @Option(help: "Seconds per HTTP measurement point (default 4; 1 with --quick).")
    var duration: Int?

    @Option(help: "Plaintext sizes in bytes, comma-separated (default 64,1024,65536).")
    var payloads: String?

    @Option(help: "Connection counts, comma-separated (default 1,4,32,64).")
    var concurrency: String?

    @Option(help: "Pool sizes (pool.maxSize), comma-separated (default 10,4,2,1).")
    var poolSizes: String?

    @Option(help: "Seconds of each in-process measurement: raw ceiling, pool overhead (default 2; 0.3 with --quick).")
    var inProcessSeconds: Double?

    @Option(help: "Idle keep-alive connections for the memory reading (default 1000).")
    var keepAlive: Int?

    @Option(help: "log.level of the servers under test.")
    var logLevel = "warning"

    @Option(
        name: .customLong("set"),
        help: "A further environment variable of the servers, NAME=value (repeatable), e.g. SSM_PKCS11_THREADS=0 or MALLOC_ARENA_MAX=2.")
    var settings: [String] = []

    @Option(help: "SoftHSM token directory (holds softhsm2.conf; the token is created if missing).")
    var tokenDir: String?

    @Option(help: "Token label.")
    var tokenLabel = "ssm-bench"

    @Option(help: "User PIN of the token.")
    var pin = "1234"

    @Option(help: "PKCS#11 module.")
    var module = "/usr/lib/softhsm/libsofthsm2.so"

    @Option(help: "wrk executable.")
    var wrk = "wrk"

    @Option(help: "h2load executable (nghttp2-client): the load on the KMS plugin's gRPC socket.")
    var h2load = "h2load"

    @Option(
        help: "The fault-injecting PKCS#11 module for the 50 ms-HSM point (default: built by scripts/build-fault-module.sh when run from the repository's root; else the point is skipped)."
    )
    var faultModule: String?

    @Option(help: "The ssm executable to measure as the server (to compare builds; default: the ssm beside ssm-bench, else ssm in PATH).")
    var server: String?

    @Option(
        help: ArgumentHelp(
            "Measure nothing: write results.md and chart.svg again from this results.json (into its folder, or --output).",
            valueName: "results.json"))
    var render: String?

    func run() async throws {
        if let render {
            let folder = output ?? URL(fileURLWithPath: render).deletingLastPathComponent().path
            try BenchReport.rerender(resultsFile: render, to: folder)
            print("wrote \(folder)/results.md, \(folder)/chart.svg")
            return
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var plan = quick ? BenchPlan.quick(cores: cores) : BenchPlan.full(cores: cores)
        if let duration { plan.secondsPerPoint = duration }
        if let payloads { plan.payloads = try Self.list(payloads, "--payloads") }
        if let concurrency { plan.concurrency = try Self.list(concurrency, "--concurrency") }
        if let poolSizes { plan.poolSizes = try Self.list(poolSizes, "--pool-sizes") }
        if let keepAlive { plan.keepAliveConnections = keepAlive }
        if let inProcessSeconds { plan.inProcessSeconds = inProcessSeconds }
        plan.serverLogLevel = logLevel
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0 == "_" || $0.isNumber || ($0.isASCII && $0.isUppercase) })
            else {
                throw ValidationError("--set takes NAME=value (an environment variable of the server), got '\(setting)'")
            }
            plan.serverSettings[parts[0]] = parts[1]
        }
        if let problem = plan.problem() { throw ValidationError(problem) }
        guard let wrkPath = BenchFiles.locate(wrk) else {
            throw ValidationError("\(wrk) not found: install wrk (scripts/deps.sh installs it) or pass --wrk PATH")
        }
        guard let h2loadPath = BenchFiles.locate(h2load) else {
            throw ValidationError("\(h2load) not found: install nghttp2-client (scripts/deps.sh installs it) or pass --h2load PATH")
        }
        if let server, !FileManager.default.isExecutableFile(atPath: server) {
            throw ValidationError("--server \(server) is not an executable")
        }
        let ssm = try server ?? Self.siblingSSM()
        let folder = output ?? "docs/bench/\(Date.now.ISO8601Format(.iso8601.year().month().day()))"
        let work = try BenchFiles.makeTemporaryDirectory("ssm-bench-work")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let token = try await BenchToken.prepare(directory: tokenDir, label: tokenLabel, pin: pin, modulePath: module)
        defer { token.removeIfTemporary() }
        let minutes = plan.estimatedSeconds / 60
        Self.say("ssm-bench: \(plan.pointCount) HTTP points, about \(minutes > 0 ? "\(minutes) min" : "\(plan.estimatedSeconds) s"); results in \(folder)")
        let runner = BenchRunner(
            plan: plan, token: token, ssm: ssm, wrk: wrkPath, h2load: h2loadPath,
            faultModule: FaultModule.locate(faultModule, directory: work), workDirectory: work,
            progress: { Self.say($0) })
        let results = try await runner.run()
        try BenchReport.write(results, to: folder)
        for target in results.targets {
            Self.say("\(target.verdict.uppercased().padding(toLength: 4, withPad: " ", startingAt: 0))  \(target.name): \(target.detail)")
        }
        Self.say("wrote \(BenchReport.files.map { "\(folder)/\($0)" }.joined(separator: ", "))")
    }

    private static func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static func list(_ text: String, _ name: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(name) must be comma-separated integers, got '\(text)'")
        }
        return values.compactMap { $0 }
    }

    /// The `ssm` executable started as `ssm serve` and `ssm keys generate`: the one built beside
    /// this executable (`swift build` puts both in one folder), else the first in `PATH`.
    private static func siblingSSM() throws -> String {
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let sibling = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("ssm").path
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        guard let found = BenchFiles.locate("ssm") else {
            throw ValidationError("no ssm executable beside \(own) nor in PATH: build it (swift build --product ssm) or pass --server PATH")
        }
        return found
    }
}
