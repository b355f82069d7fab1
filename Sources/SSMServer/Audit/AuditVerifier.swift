import Crypto
import Foundation

/// Checks an audit log's hash chain (`ssm audit verify FILE`).
public enum AuditVerifier {
    /// Lower-case hex SHA-256 of `line`.
    static func hash(_ line: some DataProtocol) -> String {
        SHA256.hash(data: line).map { String(format: "%02x", $0) }.joined()
    }

    /// The number of records of `data` when every line is a record whose `prev` is the hash
    /// of the line before it (64 zeros for the first) and whose `seq` follows it.
    ///
    /// - Throws: ``AuditError`` naming the first broken record: an edited line breaks the
    ///   next one's `prev`, a removed or moved line breaks `seq` and `prev`.
    public static func verify(_ data: Data) throws -> Int {
        var previous = AuditRecord.genesis
        var sequence = 0
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if line.isEmpty && index == lines.count - 1 { break }  // the final newline
            let number = index + 1
            guard let record = try? JSONDecoder().decode(AuditRecord.self, from: Data(line)) else {
                throw AuditError(line: number, "not an audit record (edited or truncated)")
            }
            guard record.seq == sequence + 1 else {
                throw AuditError(line: number, "sequence \(record.seq) after \(sequence): a record was removed or moved")
            }
            guard record.prev == previous else {
                throw AuditError(
                    line: number, "its hash of the previous record does not match: record \(number - 1) was changed")
            }
            previous = hash(line)
            sequence = record.seq
        }
        return sequence
    }
}
