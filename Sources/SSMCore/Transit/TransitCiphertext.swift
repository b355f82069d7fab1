import Foundation

/// The self-describing strings of `/v1`: `ssm:v<version>:<base64>`. Ciphertexts carry
/// IV ‖ ciphertext ‖ tag; signatures and HMACs their bytes.
public struct TransitCiphertext: Sendable, Hashable {
    /// The key version that produced the bytes.
    public var version: Int
    /// The payload.
    public var bytes: [UInt8]

    /// Wraps a payload.
    public init(version: Int, bytes: [UInt8]) {
        self.version = version
        self.bytes = bytes
    }

    /// `ssm:v<version>:<base64>`.
    public var string: String {
        "ssm:v\(version):" + Data(bytes).base64EncodedString()
    }

    /// Parses `ssm:v<N>:<base64>` (N a positive decimal without sign); `what` names the field
    /// in errors.
    public init(parsing text: String, what: String = "ciphertext") throws(TransitError) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "ssm", parts[1].first == "v" else {
            throw .invalidCiphertext("'\(what)' must have the form ssm:v<version>:<base64>")
        }
        let digits = parts[1].dropFirst()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let version = Int(digits), version > 0
        else {
            throw .invalidCiphertext("'\(what)' has an invalid version '\(parts[1].prefix(12))'")
        }
        guard let data = Data(base64Encoded: String(parts[2])), !data.isEmpty else {
            throw .invalidCiphertext("'\(what)' has an invalid base64 payload")
        }
        self.version = version
        self.bytes = Array(data)
    }
}
