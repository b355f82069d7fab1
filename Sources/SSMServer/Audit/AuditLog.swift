import Crypto
import Foundation
import SystemPackage
import Synchronization

/// The append-only audit log: one JSON line per request, each carrying the SHA-256 of the
/// line before it, so that `ssm audit verify` detects an edited, removed or reordered line.
///
/// Opened with `O_APPEND` and mode 0600; when the file already holds records, the chain
/// continues from its last line.
public final class AuditLog: Sendable {
    private struct State {
        var descriptor: FileDescriptor?
        var previous: String
        var sequence: Int
        var failed: Bool
    }

    /// The file's path.
    public let path: String
    /// Whether a request proceeds when its record cannot be written.
    public let failOpen: Bool
    private let state: Mutex<State>

    /// Opens (or creates) the log at `settings.file`.
    ///
    /// - Throws: when the file cannot be opened or its last line is not a record.
    public init(_ settings: AuditSettings) throws {
        path = settings.file
        failOpen = settings.failOpen
        var previous = AuditRecord.genesis
        var sequence = 0
        if let data = FileManager.default.contents(atPath: path), let last = Self.lastLine(of: data) {
            guard let record = try? JSONDecoder().decode(AuditRecord.self, from: last) else {
                throw AuditError(line: nil, "the last line of '\(path)' is not an audit record")
            }
            previous = AuditVerifier.hash(last)
            sequence = record.seq
        }
        let descriptor = try FileDescriptor.open(
            FilePath(path), .writeOnly, options: [.append, .create], permissions: [.ownerReadWrite])
        state = Mutex(State(descriptor: descriptor, previous: previous, sequence: sequence, failed: false))
    }

    deinit {
        state.withLock { try? $0.descriptor?.close() }
    }

    /// False once a write has failed (requests then get 503 unless `failOpen`).
    public var isHealthy: Bool { state.withLock { !$0.failed } }

    /// Appends `record` (its `seq` and `prev` are filled in here).
    ///
    /// - Throws: when the line could not be written in full; the log stays failed.
    func append(_ record: AuditRecord) throws {
        try state.withLock { state in
            guard let descriptor = state.descriptor, !state.failed else {
                throw AuditError(line: nil, "the audit log is unavailable after a failed write")
            }
            var record = record
            record.seq = state.sequence + 1
            record.prev = state.previous
            let line = try AuditRecord.encoder.encode(record)
            do {
                _ = try descriptor.writeAll(line + Data("\n".utf8))
            } catch {
                state.failed = true
                throw AuditError(line: nil, "cannot write to the audit log: \(error)")
            }
            state.sequence = record.seq
            state.previous = AuditVerifier.hash(line)
        }
    }

    private static func lastLine(of data: Data) -> Data? {
        data.split(separator: UInt8(ascii: "\n")).last.map { Data($0) }
    }
}

/// An audit log that cannot be written or does not verify.
public struct AuditError: Error, CustomStringConvertible, Sendable {
    /// The first broken line (from 1), when the error is about one.
    public var line: Int?
    /// What is wrong.
    public var message: String

    init(line: Int?, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "record \($0): \(message)" } ?? message }
}
