import Foundation
import Synchronization
import SystemPackage

/// The append-only audit log: one JSON line per request, each carrying the SHA-256 of the
/// line before it, and every `audit.sealInterval` (and at start, stop and SIGHUP) a seal: an
/// HMAC computed in the HSM over the chain's head (``AuditSeal``). `ssm audit verify` needs
/// the HSM to check the seals, so whoever can write the file but not use the HSM cannot
/// rewrite it.
///
/// Opened with `O_APPEND`, mode 0600, and an exclusive `flock`: a second process on the same
/// file is refused. When the file already holds records, the chain continues from its last
/// line; a torn last line (a crash in the middle of a write) is ended and named by the start
/// seal, so the chain continues after it. A failed write is retried twice before the log
/// latches failed.
public final class AuditLog: Sendable {
    struct State {
        var descriptor: FileDescriptor?
        /// The SHA-256 of the last line written, and its `seq`.
        var previous: String
        var sequence: Int
        /// The `seq` of the current file's first line.
        var first: Int
        /// The `seq` of the last seal line (-1 before the first), and the record it covered.
        var lastSeal = -1
        var sealedThrough = -1
        /// The SHA-256 of a torn line the next seal must name.
        var torn: String?
        var failed = false
        var unsynced = false
        var statistics = Statistics()
    }

    /// Counts for `/metrics`.
    public struct Statistics: Sendable, Equatable {
        /// Writes that failed and were tried again.
        public var retries = 0
        /// Seals written.
        public var seals = 0
        /// Seals that could not be made (HSM or file); the next one covers their records.
        public var sealFailures = 0
    }

    /// The internal key (``SSMCore/InternalKeys``) whose HMAC seals the chain.
    public static let keyName = "audit"

    /// The file's path.
    public let path: String
    /// The settings it was opened with.
    public let settings: AuditSettings
    /// Whether a request proceeds when its record cannot be written.
    public var failOpen: Bool { settings.failOpen }
    /// The line number of a torn last line found at opening (it is named by the next seal).
    public let tornLine: Int?
    private let mac: AuditMAC
    private let state: Mutex<State>

    /// Opens (or creates) the log at `settings.file` and locks it; `mac` computes the seals'
    /// HMAC (in the HSM). Call ``seal()`` before the first record: it writes the start seal.
    ///
    /// - Throws: ``AuditError`` when the file is locked by another process, cannot be opened,
    ///   or a line other than the last is not a record.
    public init(_ settings: AuditSettings, mac: @escaping AuditMAC) throws {
        path = settings.file
        self.settings = settings
        self.mac = mac
        let descriptor = try Self.openLocked(path)
        do {
            // Only a regular file is read back (a device such as /dev/full would never end).
            let regular = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular
            let data = regular ? try Data(contentsOf: URL(fileURLWithPath: path)) : Data()
            let end = try AuditTail(data, path: path)
            if !data.isEmpty && data.last != UInt8(ascii: "\n") { try descriptor.writeAll([UInt8(ascii: "\n")]) }
            tornLine = end.tornLine
            state = Mutex(
                State(descriptor: descriptor, previous: end.previous, sequence: end.sequence, first: end.first, torn: end.torn))
        } catch {
            try? descriptor.close()
            throw error
        }
    }

    deinit {
        state.withLock { try? $0.descriptor?.close() }
    }

    /// False once a write has failed (requests then get 503 unless `failOpen`).
    public var isHealthy: Bool { state.withLock { !$0.failed } }

    /// Counts for `/metrics`.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Appends `record` (its `seq` and `prev` are filled in here, its text fields bounded).
    ///
    /// - Throws: when the line could not be written in full after retries; the log stays failed.
    func append(_ record: AuditRecord) throws {
        try state.withLock { state in
            var record = record.bounded
            record.seq = state.sequence + 1
            record.prev = state.previous
            try Self.write(try AuditRecord.encoder.encode(record), seq: record.seq, sync: settings.sync == .record, &state)
        }
    }

    /// Seals the records written since the last seal (nothing when there are none): computes
    /// the HMAC of the chain's head in the HSM, then appends the seal and syncs the file.
    ///
    /// - Throws: when the HSM cannot compute the HMAC or the seal cannot be written.
    public func seal() async throws {
        let snapshot = state.withLock { state -> AuditSeal? in
            guard state.sequence != state.lastSeal || state.torn != nil else { return nil }
            return AuditSeal(through: state.sequence, head: state.previous, first: state.first, torn: state.torn, mac: "")
        }
        guard var seal = snapshot else { return }
        do {
            seal.mac = AuditVerifier.hex(try await mac(seal.message))
        } catch {
            state.withLock { $0.statistics.sealFailures += 1 }
            throw AuditError(line: nil, "cannot seal the audit log: \(error)")
        }
        try state.withLock { state in
            // A seal made meanwhile, or a new file, makes this one stale.
            guard seal.first == state.first, seal.through > state.sealedThrough || state.torn != nil else { return }
            let line = AuditSealLine(seq: state.sequence + 1, time: AuditLog.timestamp(Date()), seal: seal, prev: state.previous)
            do {
                try Self.write(try AuditRecord.encoder.encode(line), seq: line.seq, sync: true, &state)
            } catch {
                state.statistics.sealFailures += 1
                throw error
            }
            state.lastSeal = line.seq
            state.sealedThrough = seal.through
            state.torn = nil
            state.statistics.seals += 1
        }
    }

    /// Forces written records to disk when `audit.sync` is `interval` and some are not yet.
    func syncIfNeeded() {
        state.withLock { state in
            guard state.unsynced, let descriptor = state.descriptor else { return }
            if fsync(descriptor.rawValue) == 0 { state.unsynced = false }
        }
    }

    /// For log rotation (SIGHUP): seals the current file, closes it, and opens `path` again —
    /// a new file when the old one was moved away. The chain continues: the new file's first
    /// record links to the old file's last line. A log that had failed is writable again if
    /// the new file is.
    public func reopen() async throws {
        try? await seal()
        try state.withLock { state in
            try? state.descriptor?.close()
            state.descriptor = nil
            let descriptor = try Self.openLocked(path)
            let size = (try? descriptor.seek(offset: 0, from: .end)) ?? 0
            state.descriptor = descriptor
            if size == 0 { state.first = state.sequence + 1 }
            state.failed = false
        }
    }

    /// Closes the file (after a last ``seal()``, which the caller makes).
    public func close() {
        state.withLock { state in
            try? state.descriptor?.close()
            state.descriptor = nil
        }
    }

    /// Writes `line` and a newline, trying twice more (after 2 and 10 ms) when the write fails;
    /// a partial write is cut off before trying again. After the third failure the log is
    /// failed.
    private static func write(_ line: Data, seq: Int, sync: Bool, _ state: inout State) throws {
        guard let descriptor = state.descriptor, !state.failed else {
            throw AuditError(line: nil, "the audit log is unavailable after a failed write")
        }
        let bytes = line + Data("\n".utf8)
        let start = try? descriptor.seek(offset: 0, from: .end)
        var lastError: (any Error)?
        for (attempt, pause) in [0.0, 0.002, 0.010].enumerated() {
            if attempt > 0 {
                state.statistics.retries += 1
                Thread.sleep(forTimeInterval: pause)
                if let start, let now = try? descriptor.seek(offset: 0, from: .end), now > start {
                    try? descriptor.resize(to: start)
                }
            }
            do {
                _ = try descriptor.writeAll(bytes)
                if sync && fsync(descriptor.rawValue) != 0 { throw Errno(rawValue: errno) }
                state.unsynced = !sync
                state.sequence = seq
                state.previous = AuditVerifier.hash(line)
                return
            } catch {
                lastError = error
            }
        }
        state.failed = true
        throw AuditError(line: nil, "cannot write to the audit log: \(lastError.map { "\($0)" } ?? "?")")
    }

    /// Opens `path` for appending (created with mode 0600, closed on exec: a child process must
    /// not inherit the descriptor and with it the lock) and takes an exclusive lock on it.
    private static func openLocked(_ path: String) throws -> FileDescriptor {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.append, .create, .closeOnExec], permissions: [.ownerReadWrite])
        } catch {
            throw AuditError(line: nil, "cannot open the audit log '\(path)': \(error)")
        }
        // Only a regular file is locked (a device such as /dev/null may be opened by many).
        let regular = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular
        guard !regular || flock(descriptor.rawValue, LOCK_EX | LOCK_NB) == 0 else {
            let error = Errno(rawValue: errno)
            try? descriptor.close()
            if error == .wouldBlock {
                throw AuditError(line: nil, "the audit log '\(path)' is in use by another process (it is locked)")
            }
            throw AuditError(line: nil, "cannot lock the audit log '\(path)': \(error)")
        }
        return descriptor
    }

    /// ISO 8601, UTC, milliseconds.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Where an existing log ends: its last record, and a torn line after it.
struct AuditTail {
    var previous = AuditRecord.genesis
    var sequence = 0
    var first = 1
    var torn: String?
    var tornLine: Int?

    /// - Throws: ``AuditError`` when a line other than the last is not a record.
    init(_ data: Data, path: String) throws {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if data.last == UInt8(ascii: "\n") || data.isEmpty { lines.removeLast() }
        guard let last = lines.last else { return }
        if data.last != UInt8(ascii: "\n") || (try? JSONDecoder().decode(AuditLink.self, from: Data(last))) == nil {
            torn = AuditVerifier.hash(last)
            tornLine = lines.count
            lines.removeLast()
        }
        guard let last = lines.last, let firstLine = lines.first else { return }
        guard let link = try? JSONDecoder().decode(AuditLink.self, from: Data(last)),
            let head = try? JSONDecoder().decode(AuditLink.self, from: Data(firstLine))
        else {
            throw AuditError(line: lines.count, "line \(lines.count) of '\(path)' is not an audit record")
        }
        previous = AuditVerifier.hash(last)
        sequence = link.seq
        first = head.seq
    }
}

/// An audit log that cannot be written or does not verify.
public struct AuditError: Error, CustomStringConvertible, Sendable {
    /// The first broken line (from 1), when the error is about one.
    public var line: Int?
    /// The file it is in, when several were checked.
    public var file: String?
    /// What is wrong.
    public var message: String

    init(line: Int?, file: String? = nil, _ message: String) {
        self.line = line
        self.file = file
        self.message = message
    }

    public var description: String {
        let place = [file, line.map { "record \($0)" }].compactMap { $0 }.joined(separator: ": ")
        return place.isEmpty ? message : "\(place): \(message)"
    }
}
