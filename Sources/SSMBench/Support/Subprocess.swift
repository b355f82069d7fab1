import Foundation

/// Small helpers around `Process` for the tools the bench drives.
enum Subprocess {
    /// Runs `command` (a path, or a name looked up in `PATH`) to completion and returns its
    /// standard output and error, trimmed; nil when it cannot start or exits non-zero.
    static func output(_ command: String, _ arguments: [String], environment: [String: String]? = nil) -> String? {
        guard let result = try? run(command, arguments, environment: environment), result.status == 0 else { return nil }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `command` to completion; returns its exit status and its output (stdout + stderr).
    static func run(
        _ command: String, _ arguments: [String], environment: [String: String]? = nil
    ) throws -> (status: Int32, output: String) {
        guard let path = resolve(command) else { throw BenchError("\(command) not found in PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The executable's path: `command` itself when it contains a slash, else the first match in `PATH`.
    static func resolve(_ command: String) -> String? {
        if command.contains("/") {
            return FileManager.default.isExecutableFile(atPath: command) ? command : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A failure of the benchmark itself (a tool missing, the server not starting, ...).
public struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
