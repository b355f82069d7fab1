import Crypto
import Foundation

/// Checks an audit log's hash chain and seals (`ssm audit verify FILE...`).
public enum AuditVerifier {
    /// What a verified log holds.
    public struct Summary: Sendable, Equatable {
        /// Request records.
        public var records = 0
        /// Seals whose HMAC and head matched.
        public var seals = 0
        /// Records after the last seal: not yet protected against a forger (a running daemon
        /// seals them within `audit.sealInterval`, and at stop).
        public var unsealed = 0
        /// Torn lines (a crash in the middle of a write) named by the seal after them.
        public var torn = 0
        /// When the first file checked continues an earlier one: the SHA-256 of the earlier
        /// file's last line.
        public var continuesFrom: String?
    }

    /// Lower-case hex SHA-256 of `line`.
    static func hash(_ line: some DataProtocol) -> String {
        hex(SHA256.hash(data: line))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Verifies `files` (in order: rotated files first) as one chain: every line is a record
    /// or seal whose `seq` follows the line before it and whose `prev` is that line's SHA-256;
    /// every seal's HMAC is recomputed with `mac` (in the HSM) and its head compared with the
    /// record it covers; a torn line is accepted only right before a seal that names it.
    ///
    /// - Throws: ``AuditError`` naming the file and the first broken record: an edited line
    ///   breaks the next one's `prev`; a removed or moved one breaks `seq` and `prev`; lines
    ///   rewritten with their links recomputed break the next seal; a forged seal has a wrong
    ///   HMAC. Errors of `mac` (no HSM, no key) are passed on.
    public static func verify(_ files: [(name: String, data: Data)], mac: AuditMAC) async throws -> Summary {
        var summary = Summary()
        var previous: String?
        var sequence = 0
        var startSequence: Int?
        var hashes: [Int: String] = [:]
        var unsealed: [Int] = []
        var sealedThrough = 0
        for file in files {
            let name = files.count > 1 ? file.name : nil
            var lines = file.data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            if file.data.last == UInt8(ascii: "\n") || file.data.isEmpty { lines.removeLast() }
            var first: Int?
            var tornBefore: String?
            for (index, line) in lines.enumerated() {
                let number = index + 1
                func broken(_ message: String) -> AuditError { AuditError(line: number, file: name, message) }
                guard let link = try? JSONDecoder().decode(AuditLink.self, from: Data(line)) else {
                    if tornBefore == nil, index + 1 < lines.count,
                        let next = try? JSONDecoder().decode(AuditLink.self, from: Data(lines[index + 1])),
                        next.seal?.torn == hash(line)
                    {
                        tornBefore = hash(line)
                        summary.torn += 1
                        continue
                    }
                    throw broken("not an audit record (edited or truncated)")
                }
                if let previous {
                    guard link.seq == sequence + 1 else {
                        throw broken("sequence \(link.seq) after \(sequence): a record was removed or moved")
                    }
                    guard link.prev == previous else {
                        throw broken(
                            number == 1
                                ? "its hash of the previous file's last record does not match: that record was changed, or the files are not consecutive"
                                : "its hash of the previous record does not match: record \(number - 1) was changed")
                    }
                } else if link.seq == 1 {
                    guard link.prev == AuditRecord.genesis else { throw broken("the first record does not start the chain") }
                } else {
                    summary.continuesFrom = link.prev
                }
                if startSequence == nil { startSequence = link.seq }
                if first == nil { first = link.seq }
                if let seal = link.seal {
                    guard seal.torn == tornBefore else { throw broken("the seal names a torn line that is not right before it") }
                    guard seal.first == first else {
                        throw broken("the seal says this file starts at record \(seal.first), it starts at \(first ?? 0): lines were cut off its top")
                    }
                    guard constantTimeEqual(hex(try await mac(seal.message)), seal.mac) else {
                        throw broken("the seal's HMAC is wrong: the seal was forged or edited (or the HSM holds another audit key)")
                    }
                    if seal.through >= (startSequence ?? 0) || seal.through == 0 {
                        let head = seal.through == 0 ? AuditRecord.genesis : hashes[seal.through]
                        guard head == seal.head else {
                            throw broken(
                                "the seal does not match the records after record \(sealedThrough) up to \(seal.through): one of them was changed, removed or inserted (and the later links recomputed)")
                        }
                        sealedThrough = seal.through
                        unsealed.removeAll { $0 <= seal.through }
                        hashes = hashes.filter { $0.key >= seal.through }
                    }
                    summary.seals += 1
                } else {
                    summary.records += 1
                    unsealed.append(link.seq)
                }
                tornBefore = nil
                let lineHash = hash(line)
                hashes[link.seq] = lineHash
                previous = lineHash
                sequence = link.seq
            }
            if tornBefore != nil { throw AuditError(line: lines.count, file: name, "a torn line is not followed by its seal") }
        }
        summary.unsealed = unsealed.count
        return summary
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
