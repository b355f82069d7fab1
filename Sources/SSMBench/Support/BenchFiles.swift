import Foundation

/// Files and executables the bench needs.
public enum BenchFiles {
    /// A new private directory (mode 0700, a random name) under the system's temporary directory.
    public static func makeTemporaryDirectory(_ prefix: String) throws -> String {
        let base = NSTemporaryDirectory().isEmpty ? "/tmp" : NSTemporaryDirectory()
        let path = URL(fileURLWithPath: base).appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        do {
            // Not withIntermediateDirectories: creating it must fail if the name exists.
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BenchError("cannot create a temporary directory under \(base): \(error.localizedDescription)")
        }
        return path
    }

    /// `command` itself when it contains a slash (if executable), else its first match in `PATH`.
    public static func locate(_ command: String) -> String? {
        Subprocess.resolve(command)
    }

    /// The last `lines` lines of the text file at `path` (a child process's log), empty when unreadable.
    static func tail(_ path: String, lines: Int) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
