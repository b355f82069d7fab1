import Foundation

/// Where a run happened: CPU, cores, memory, kernel, the tools' versions and the load.
public struct MachineInfo: Sendable, Codable, Hashable {
    /// `model name` of `/proc/cpuinfo`.
    public var cpu: String
    /// Cores the process may use.
    public var cores: Int
    /// Physical memory, MiB.
    public var memoryMiB: Int
    /// `uname -sr`.
    public var kernel: String
    /// `softhsm2-util --version`.
    public var softHSM: String
    /// `wrk -v`, first line.
    public var wrk: String
    /// `/proc/loadavg` (1, 5, 15 minutes) when the run started: other work on the machine.
    public var loadAverageAtStart: String
    /// The same when it ended.
    public var loadAverageAtEnd: String

    /// Reads the machine's description now (the load at the end is filled in later).
    static func current(wrk: String) -> MachineInfo {
        MachineInfo(
            cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryMiB: Int(ProcessInfo.processInfo.physicalMemory / (1 << 20)), kernel: kernel(),
            softHSM: Subprocess.output("softhsm2-util", ["--version"]) ?? "unknown",
            wrk: wrkVersion(wrk),
            loadAverageAtStart: loadAverage(), loadAverageAtEnd: "")
    }

    /// `wrk 4.1.0 [epoll]`: the first line of `wrk -v` (which exits with status 1), without the copyright.
    private static func wrkVersion(_ wrk: String) -> String {
        let output = (try? Subprocess.run(wrk, ["-v"]).output) ?? ""
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("wrk ") }) else { return "unknown" }
        return line.components(separatedBy: " Copyright").first ?? String(line)
    }

    /// The first three fields of `/proc/loadavg`.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    private static func cpuModel() -> String {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    /// `uname -sr`, from the kernel's own files.
    private static func kernel() -> String {
        func read(_ name: String) -> String? {
            (try? String(contentsOfFile: "/proc/sys/kernel/\(name)", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let name = read("ostype"), let release = read("osrelease") else { return "unknown" }
        return "\(name) \(release)"
    }
}
