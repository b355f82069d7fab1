import Foundation

/// Drives `wrk` (closed loop: each connection sends its next request when the previous answer
/// has arrived) and reads its figures from a Lua `done()` hook that prints them as JSON.
struct Wrk {
    /// The wrk executable.
    let executable: String
    /// A directory for the Lua script and the request bodies.
    let directory: String
    /// wrk threads.
    let threads: Int

    /// What wrk reports for one run.
    struct Report: Decodable {
        var requests: Int
        var durationMicroseconds: Double
        var errors: Int
        var meanMicroseconds: Double
        var maxMicroseconds: Double
        var p50Microseconds: Double
        var p99Microseconds: Double

        enum CodingKeys: String, CodingKey {
            case requests, errors
            case durationMicroseconds = "duration_us", meanMicroseconds = "mean_us", maxMicroseconds = "max_us"
            case p50Microseconds = "p50_us", p99Microseconds = "p99_us"
        }
    }

    /// The script: POSTs the file named by `WRK_BODY_FILE` as JSON when set (else GETs), and prints
    /// one line `SSMBENCH_JSON {...}` with the summary and latency percentiles (microseconds).
    static let script = """
        local path = os.getenv("WRK_BODY_FILE")
        if path ~= nil and path ~= "" then
          local file = assert(io.open(path, "rb"))
          wrk.method = "POST"
          wrk.headers["Content-Type"] = "application/json"
          wrk.body = file:read("*a")
          file:close()
        end

        done = function(summary, latency, requests)
          local e = summary.errors
          io.write(string.format(
            'SSMBENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"mean_us":%.1f,"max_us":%d,"p50_us":%d,"p99_us":%d}\\n',
            summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
            latency.mean, latency.max, latency:percentile(50), latency:percentile(99)))
        end

        """

    /// Writes the Lua script into `directory`.
    func install() throws {
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    }

    private var scriptPath: String { directory + "/ssm-bench.lua" }

    /// Loads `url` with `connections` connections for `seconds`, POSTing `bodyFile` when given.
    func run(url: String, connections: Int, seconds: Int, bodyFile: String?) async throws -> Report {
        let environment = ProcessInfo.processInfo.environment.merging(["WRK_BODY_FILE": bodyFile ?? ""]) { $1 }
        let arguments = [
            "-t\(min(threads, connections))", "-c\(connections)", "-d\(seconds)s", "--timeout", "10s", "--latency",
            "-s", scriptPath, url,
        ]
        let executable = self.executable
        let result = try await onOwnThread { try Subprocess.run(executable, arguments, environment: environment) }
        let marker = "SSMBENCH_JSON "
        guard result.status == 0,
            let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix(marker) })
        else {
            throw BenchError("wrk \(arguments.joined(separator: " ")) failed (status \(result.status)): \(result.output)")
        }
        return try JSONDecoder().decode(Report.self, from: Data(line.dropFirst(marker.count).utf8))
    }
}
