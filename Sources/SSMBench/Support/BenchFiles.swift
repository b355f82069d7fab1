import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Files and executables the bench needs.
public enum BenchFiles {
    /// A new private directory (`mkdtemp`) under the system's temporary directory.
    public static func makeTemporaryDirectory(_ prefix: String) throws -> String {
        let base = NSTemporaryDirectory().isEmpty ? "/tmp/" : NSTemporaryDirectory()
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + "\(prefix)-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let created else { throw BenchError("cannot create a temporary directory under \(base)") }
        return created
    }

    /// `command` itself when it contains a slash (if executable), else its first match in `PATH`.
    public static func locate(_ command: String) -> String? {
        Subprocess.resolve(command)
    }
}
