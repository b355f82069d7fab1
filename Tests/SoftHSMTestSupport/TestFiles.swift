import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Files of the test fixtures: the repository root, temporary directories, and their removal
/// when the test process exits.
enum TestFiles {
    /// The repository root, three levels above this file (`Tests/SoftHSMTestSupport/TestFiles.swift`).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// A new private directory (`mkdtemp`) under the system's temporary directory.
    static func makeTemporaryDirectory(_ prefix: String) throws -> String {
        let base = NSTemporaryDirectory().isEmpty ? "/tmp" : NSTemporaryDirectory()
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
        template.append(contentsOf: "\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let created else {
            throw SoftHSMTokenError("cannot create a temporary directory under \(base): errno \(errno)")
        }
        return created
    }

    /// Removes `directory` when the process exits.
    static func removeAtExit(_ directory: String) {
        let first = toRemove.withLock { list in
            list.append(directory)
            return list.count == 1
        }
        if first {
            atexit {
                for directory in TestFiles.toRemove.withLock({ $0 }) {
                    try? FileManager.default.removeItem(atPath: directory)
                }
            }
        }
    }

    private static let toRemove = Mutex<[String]>([])
}
