import Foundation

/// The self-describing strings of the Transit keys, Vault's: `vault:v<version>:<base64>`.
/// Ciphertexts carry IV ‖ ciphertext ‖ tag; signatures and HMACs their bytes.
///
/// Strings written by ssm before it spoke Vault's wire format (`ssm:v<version>:<base64>`)
/// are still read.
public struct TransitCiphertext: Sendable, Hashable {
    /// The key version that produced the bytes.
    public var version: Int
    /// The payload.
    public var bytes: [UInt8]

    /// The prefix of every string written.
    public static let prefix = "vault"
    /// The prefix of the strings of earlier ssm versions, still read.
    public static let legacyPrefix = "ssm"

    /// Wraps a payload.
    public init(version: Int, bytes: [UInt8]) {
        self.version = version
        self.bytes = bytes
    }

    /// `vault:v<version>:<base64>`.
    public var string: String {
        "vault:v\(version):" + Data(bytes).base64EncodedString()
    }

    /// `vault:v<version>:<base64url>` without padding (JWS-marshaled ECDSA signatures, as Vault
    /// writes them).
    public var urlSafeString: String {
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "vault:v\(version):" + base64
    }

    /// Parses `vault:v<N>:<base64>` (or the older `ssm:v<N>:<base64>`; N a positive decimal
    /// without sign; the payload in standard or URL-safe base64); `what` names the field in
    /// errors.
    public init(parsing text: String, what: String = "ciphertext") throws(TransitError) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.prefix || parts[0] == Self.legacyPrefix, parts[1].first == "v" else {
            throw .invalidCiphertext("'\(what)' must have the form vault:v<version>:<base64>")
        }
        let digits = parts[1].dropFirst()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let version = Int(digits), version > 0
        else {
            throw .invalidCiphertext("'\(what)' has an invalid version '\(parts[1].prefix(12))'")
        }
        guard let bytes = Self.decodeBase64(parts[2]), !bytes.isEmpty else {
            throw .invalidCiphertext("'\(what)' has an invalid base64 payload")
        }
        self.version = version
        self.bytes = bytes
    }

    /// Standard base64, or URL-safe base64 with or without padding.
    static func decodeBase64(_ text: Substring) -> [UInt8]? {
        if let data = Data(base64Encoded: String(text)) { return Array(data) }
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) || text.utf8.count % 4 != 0,
            !text.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") })
        else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
