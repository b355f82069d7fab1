import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `ssm serve` as a child process, so that its memory is its own (`/proc/PID/status`).
final class ServerProcess: Sendable {
    /// The child's process id.
    let pid: Int32
    /// The port it listens on (127.0.0.1).
    let port: Int
    /// Its standard output and error.
    let logPath: String
    private let process: Process

    /// Starts `ssm serve` with `environment` (which must set `SSM_SERVER_ADDRESS` to `127.0.0.1:port`)
    /// and waits until `/ready` answers 200 (at most 30 s).
    init(ssm: String, port: Int, environment: [String: String], logPath: String) async throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw BenchError("cannot write \(logPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ssm)
        process.arguments = ["serve"]
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        self.pid = process.processIdentifier
        self.port = port
        self.logPath = logPath
        do {
            try await waitUntilReady()
        } catch {
            await stop()
            throw error
        }
    }

    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        let port = self.port
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw BenchError("ssm serve exited with status \(process.terminationStatus): \(log())")
            }
            let status = try? await HTTPConnection.connect(port: port, timeout: 2).request("GET", "/ready").status
            if status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("ssm serve did not become ready within 30 s: \(log())")
    }

    /// The last lines of the server's output.
    func log() -> String {
        BenchFiles.tail(logPath, lines: 10)
    }

    /// Resident set size now (`VmRSS`) and at its peak (`VmHWM`), in KiB.
    func memory() -> (residentKiB: Int, peakKiB: Int) {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// CPU time the server has used so far (user + system, all threads), in seconds; the
    /// resolution is the kernel's clock tick (10 ms).
    func cpuSeconds() -> Double {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // Fields after the command name (which is in parentheses and may hold spaces): state is
        // field 3, utime field 14, stime field 15.
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// SIGTERM, then SIGKILL if it has not exited within 15 s.
    func stop() async {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(15)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(pid, SIGKILL) }
    }
}
