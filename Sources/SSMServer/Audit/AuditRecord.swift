import Foundation

/// One line of the audit log. Never carries plaintext, ciphertext, PINs, keys or tokens:
/// only who did what to which key, when, and how it ended.
struct AuditRecord: Codable, Sendable, Equatable {
    /// Position in the chain, from 1 (it continues across rotated files).
    var seq: Int
    /// When the request ended (ISO 8601, UTC, milliseconds).
    var time: String
    var requestID: String
    /// The authenticated client, if any.
    var client: String?
    var method: String
    var path: String
    /// The route's operation (`encrypt`, `list`, ...), if any.
    var operation: String?
    var keyLabel: String?
    var keyID: Int32?
    var status: Int
    var durationMs: Double
    /// The peer's address (`ip:port`), or nil on a Unix socket.
    var peer: String?
    /// Lower-case hex SHA-256 of the previous line's bytes (without its newline); 64 zeros
    /// for the first record.
    var prev: String
    /// The gRPC status of a call that was not HTTP (the KMS plugin's: `OK`,
    /// `INVALID_ARGUMENT`, ...); `status` then holds the HTTP status gRPC maps it to.
    var grpcStatus: String? = nil

    enum CodingKeys: String, CodingKey {
        case seq, time, client, method, path, operation, status, peer, prev
        case requestID = "request_id"
        case keyLabel = "key_label"
        case keyID = "key_id"
        case durationMs = "duration_ms"
        case grpcStatus = "grpc_status"
    }

    /// `duration` in milliseconds, rounded to microseconds.
    static func milliseconds(_ duration: Duration) -> Double {
        ((Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15) * 1000).rounded() / 1000
    }

    static let genesis = String(repeating: "0", count: 64)

    /// The most bytes a text field of a record keeps; the rest is replaced by a marker
    /// (`…[+N bytes]`), so that an unauthenticated client cannot make a record as large as
    /// its request (a path of 80 KiB, a label of a megabyte).
    static let maxFieldBytes = 512

    /// The record with every client-chosen text field cut to ``maxFieldBytes``.
    var bounded: AuditRecord {
        var record = self
        record.requestID = Self.bound(requestID)
        record.client = client.map(Self.bound)
        record.method = Self.bound(method)
        record.path = Self.bound(path)
        record.operation = operation.map(Self.bound)
        record.keyLabel = keyLabel.map(Self.bound)
        record.peer = peer.map(Self.bound)
        return record
    }

    /// `text` when it has at most ``maxFieldBytes`` UTF-8 bytes; otherwise its longest prefix
    /// of whole characters within that many bytes, followed by `…[+N bytes]`.
    static func bound(_ text: String) -> String {
        let bytes = text.utf8.count
        guard bytes > maxFieldBytes else { return text }
        var kept = 0
        var end = text.startIndex
        for index in text.indices {
            let size = text[index].utf8.count
            if kept + size > maxFieldBytes { break }
            kept += size
            end = text.index(after: index)
        }
        return "\(text[..<end])…[+\(bytes - kept) bytes]"
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// A seal: a line of the audit log (with its own `seq` and `prev`, like a record) whose
/// `mac` is an HMAC-SHA256, computed in the HSM with the internal key `ssm-internal/audit`,
/// of the chain's head at `through`. A forger who rewrites records and recomputes their
/// SHA-256 links cannot make a seal agree with them without that key.
struct AuditSeal: Codable, Sendable, Equatable {
    /// The last record the seal covers (its `seq`); 0 for none.
    var through: Int
    /// Lower-case hex SHA-256 of record `through`'s line (64 zeros for none).
    var head: String
    /// The `seq` of the first line of the file the seal is in: cutting lines off the top of
    /// a file is caught by the file's seals.
    var first: Int
    /// When the daemon started after a crash that left a torn line just before this seal:
    /// that line's SHA-256. The verifier skips the torn line only when a seal names it.
    var torn: String?
    /// Lower-case hex HMAC-SHA256 of ``message``.
    var mac: String

    /// The bytes the HMAC is computed over.
    var message: [UInt8] {
        Array("ssm-audit-seal/1 through=\(through) head=\(head) first=\(first) torn=\(torn ?? "-")".utf8)
    }
}

/// A seal's line.
struct AuditSealLine: Codable, Sendable {
    var seq: Int
    var time: String
    var seal: AuditSeal
    var prev: String
}

/// What the verifier reads of every line: its place in the chain, and its seal if it is one.
struct AuditLink: Decodable, Sendable {
    var seq: Int
    var prev: String
    var seal: AuditSeal?
}

/// Computes the HMAC of a seal (in the HSM: ``SSMCore/InternalKeys/hmac(name:data:)``).
public typealias AuditMAC = @Sendable (_ message: [UInt8]) async throws -> [UInt8]
