import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `p11-kit server` as a child process, in the foreground: it exports one token of a PKCS#11
/// module on a Unix socket, which `p11-kit-client.so` reaches through `P11_KIT_SERVER_ADDRESS`.
///
/// Blocking (it waits for the socket and for the exit): use it on a thread of its own.
final class P11KitServer {
    /// Why the server could not start (the bench skips the p11-kit series, naming the reason).
    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// The command line, for the report.
    let commandLine: String
    /// `P11_KIT_SERVER_ADDRESS` for the client module.
    let address: String
    private let process: Process
    private let logPath: String

    /// Runs `executable server -f --provider module -n socketPath pkcs11:token=<tokenLabel>` with
    /// `environment` (which must let the module find the token, e.g. `SOFTHSM2_CONF`) and waits
    /// until the socket exists, at most 10 s.
    init(
        executable: String, module: String, tokenLabel: String, socketPath: String, environment: [String: String], logPath: String
    ) throws {
        let arguments = ["server", "-f", "--provider", module, "-n", socketPath, "pkcs11:token=" + Self.uriEncoded(tokenLabel)]
        commandLine = ([executable] + arguments).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        address = "unix:path=" + socketPath
        self.logPath = logPath
        try? FileManager.default.removeItem(atPath: socketPath)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw BenchError("cannot write \(logPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw StartFailure(description: "\(commandLine) did not start: \(error)")
        }
        self.process = process
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: socketPath) {
            guard process.isRunning else {
                process.waitUntilExit()
                throw StartFailure(description: "\(commandLine) exited with status \(process.terminationStatus): \(self.log())")
            }
            guard ContinuousClock.now < deadline else {
                stop()
                throw StartFailure(description: "\(commandLine) made no socket within 10 s: \(self.log())")
            }
            usleep(20_000)
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within 5 s; waits for the exit (the server
    /// removes its socket).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The last lines of the server's output.
    func log() -> String {
        BenchFiles.tail(logPath, lines: 5)
    }

    /// `label` as an RFC 7512 attribute value: unreserved characters kept, others percent-encoded.
    static func uriEncoded(_ label: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        return label.utf8.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
    }
}
