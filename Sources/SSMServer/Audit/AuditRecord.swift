import Foundation

/// One line of the audit log. Never carries plaintext, ciphertext, PINs, keys or tokens:
/// only who did what to which key, when, and how it ended.
struct AuditRecord: Codable, Sendable, Equatable {
    /// Position in the file, from 1.
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

    enum CodingKeys: String, CodingKey {
        case seq, time, client, method, path, operation, status, peer, prev
        case requestID = "request_id"
        case keyLabel = "key_label"
        case keyID = "key_id"
        case durationMs = "duration_ms"
    }

    static let genesis = String(repeating: "0", count: 64)

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
