import Foundation
import SSMBench
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `ssm-bench --quick` runs end to end (its own SoftHSM token, `ssm serve` children, wrk) and
/// writes its three files with the expected structure. Nothing here is timed: the figures are
/// only checked to exist and be positive.
@Suite("ssm-bench")
struct BenchCommandTests {
    @Test("--quick writes results.md, results.json and chart.svg")
    func quickRun() throws {
        let output = try BenchFiles.makeTemporaryDirectory("ssm-bench-test")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let run = try BenchProcess.run(["--quick", "--keep-alive", "200", "--output", output])
        #expect(run.status == 0, "ssm-bench failed:\n\(run.output)")
        guard run.status == 0 else { return }

        // results.json: every section of a quick plan, with figures.
        let data = try Data(contentsOf: URL(fileURLWithPath: output + "/results.json"))
        let results = try JSONDecoder().decode(BenchResults.self, from: data)
        #expect(results.plan.payloads == [64] && results.plan.concurrency == [1, 4] && results.plan.poolSizes == [4])
        let cbc = results.raw.filter { $0.mechanism == "CKM_AES_CBC_PAD" && $0.payload == 64 }
        #expect(cbc.map(\.threads).sorted() == [1, results.plan.rawThreads].sorted())
        #expect(results.raw.allSatisfy { $0.operationsPerSecond > 0 && $0.cpuMicrosecondsPerOperation > 0 })
        for route in ["/health-check", "/encrypt", "/encrypt-pool", "/decrypt"] {
            let points = results.http.filter { $0.route == route }
            #expect(points.map(\.concurrency).sorted() == [1, 4], "\(route)")
            #expect(
                points.allSatisfy {
                    $0.requests > 0 && $0.errors == 0 && $0.p99Milliseconds >= $0.p50Milliseconds && $0.serverCPUMicrosecondsPerRequest > 0
                }, "\(route)")
        }
        #expect(results.pool.map(\.name) == ["uncontended", "contended", "waiting"])
        #expect(results.pool.allSatisfy { $0.nanosecondsPerOperation > 0 && $0.operations > 0 })
        let memory = try #require(results.memory)
        #expect(memory.idleKiB > 0 && memory.keepAliveKiB > 0 && memory.keepAliveAfterEncryptKiB > 0 && memory.underLoadKiB > 0)
        #expect(memory.keepAliveConnections == 200 && memory.keepAliveAnswered == 200)
        #expect(results.targets.count == 15)
        let kms = try #require(results.kms)
        #expect(Set(kms.map(\.series)) == ["KMS Encrypt", "/v1/transit/encrypt", "/v1/transit/decrypt", "/encrypt-pool"])
        #expect(kms.allSatisfy { $0.requestsPerSecond > 0 && $0.errors == 0 && $0.payload == 32 })
        #expect(kms.filter { $0.series == "KMS Encrypt" }.map(\.concurrency) == [1, 16])
        #expect(results.targets.first { $0.name.hasPrefix("KMS Encrypt") }?.value != nil)
        // Every crypto route against /encrypt-pool: SSM's /decrypt, Transit's encrypt and decrypt, KMS Encrypt.
        #expect(results.targets.filter { $0.name.hasSuffix("vs /encrypt-pool throughput") && $0.value != nil }.count == 4)
        // The 50 ms HSM (the fault module, built from the repository): the health check answered throughout.
        let slow = try #require(results.slowHSM)
        #expect(slow.delayMilliseconds == 50 && slow.encryptRequestsPerSecond > 0 && slow.encryptErrors == 0)
        #expect(slow.healthRequestsPerSecond > 0 && slow.healthErrors == 0 && slow.healthP99Milliseconds >= slow.healthP50Milliseconds)
        #expect(results.targets.first { $0.name.contains("50 ms HSM") }?.value != nil)
        let batch = try #require(results.batch?.first)
        #expect(batch.batchSize == 100 && batch.itemsPerSecond > 0 && batch.errors == 0 && batch.rawOperationsPerSecond > 0)
        #expect(results.targets.first { $0.name.contains("batch") }?.value != nil)
        #expect(results.targets.allSatisfy { ["pass", "fail", "n/a"].contains($0.verdict) })
        // Concurrency 64 is not in a quick plan: its latency target cannot be judged.
        #expect(results.targets.first { $0.name.contains("concurrency 64") }?.verdict == "n/a")
        #expect(results.targets.first { $0.name.contains("concurrency 4") }?.value != nil)

        // results.md: the sections, a verdict per target, a table row per concurrency.
        let markdown = try String(contentsOfFile: output + "/results.md", encoding: .utf8)
        for heading in [
            "## Targets", "## Raw ceiling R", "## HTTP ceiling H", "## CPU per request", "## Crypto routes, `pool.maxSize` 4", "### 64 B",
            "## Pool acquire + release", "## `/v1/transit/encrypt` batches", "## KMS v2 `Encrypt` (32-byte seed)", "## A slow HSM",
            "## p11-kit's RPC: the existing way to share one HSM (64 B)", "## Server memory",
            "](chart.svg)",
        ] {
            #expect(markdown.contains(heading), "results.md lacks \(heading)")
        }
        let targetRows = markdown.split(separator: "\n").filter { $0.contains("**pass**") || $0.contains("**FAIL**") || $0.contains("| n/a |") }
        #expect(targetRows.count == 15)

        // chart.svg: well-formed XML, a line per route in each of the two panels.
        let svg = try String(contentsOfFile: output + "/chart.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 6)
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        // Every protocol side by side.
        #expect(svg.contains("every protocol on one server") && svg.contains("KMS Encrypt") && svg.contains("/v1/transit/encrypt"))

        // --render writes the same report again from results.json, measuring nothing.
        let again = try BenchFiles.makeTemporaryDirectory("ssm-bench-render")
        defer { try? FileManager.default.removeItem(atPath: again) }
        let render = try BenchProcess.run(["--render", output + "/results.json", "--output", again])
        #expect(render.status == 0, "ssm-bench --render failed:\n\(render.output)")
        #expect(try String(contentsOfFile: again + "/chart.svg", encoding: .utf8) == svg)
        #expect(try String(contentsOfFile: again + "/results.md", encoding: .utf8) == markdown)

        // p11-kit's RPC: measured where p11-kit and its client module are installed (scripts/deps.sh
        // installs them), else skipped with the reason in the report.
        let peer = try #require(results.p11kit)
        let peerTarget = results.targets.first { $0.name.contains("p11-kit") }
        #expect(peer.mechanism == "CKM_AES_ECB" && peer.payload == 64)
        let clientInstalled = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")) ?? [])
            .contains { FileManager.default.fileExists(atPath: "/usr/lib/\($0)/pkcs11/p11-kit-client.so") }
        let installed = FileManager.default.isExecutableFile(atPath: "/usr/bin/p11-kit") && clientInstalled
        #expect((peer.skipped == nil) == installed, "p11-kit installed: \(installed); skipped: \(peer.skipped ?? "no")")
        if let reason = peer.skipped {
            #expect(peer.rpc.isEmpty && markdown.contains("Not measured: \(reason)"))
            #expect(peerTarget?.verdict == "n/a")
        } else {
            for points in [peer.rpc, peer.inProcess] {
                #expect(points.map(\.threads) == [1, results.plan.rawThreads])
                #expect(points.allSatisfy { $0.mechanism == "CKM_AES_ECB" && $0.payload == 64 && $0.operationsPerSecond > 0 })
            }
            #expect(peer.serverCommand.contains(" server -f --provider "))
            #expect(peerTarget?.value != nil)
            // The bars beside /encrypt-pool's.
            #expect(svg.contains("p11-kit-client.so → p11-kit server"))
        }
    }

    @Test("a bad plan is refused before anything starts")
    func badPlan() throws {
        let run = try BenchProcess.run(["--quick", "--concurrency", "0", "--output", "/nonexistent/never-written"])
        #expect(run.status != 0)
        #expect(run.output.contains("concurrency must be 1 ... 4096"))
    }
}

/// The `ssm-bench` executable built beside this test binary (it finds `ssm` there too), run to
/// completion (bounded: killed after 5 minutes).
enum BenchProcess {
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let directory = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let folder = URL(fileURLWithPath: directory).deletingLastPathComponent()
        for executable in ["ssm", "ssm-bench"] where !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent(executable).path) {
            throw BenchTestError(description: "no \(executable) executable in \(folder.path): build it first (swift build --build-tests)")
        }
        let process = Process()
        process.executableURL = folder.appendingPathComponent("ssm-bench")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 300, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

struct BenchTestError: Error, CustomStringConvertible {
    let description: String
}
