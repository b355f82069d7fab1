import SSMCore

/// The three calls of `v2.KeyManagementService`.
public enum KMSMethod: String, Sendable, CaseIterable {
    case status = "Status"
    case encrypt = "Encrypt"
    case decrypt = "Decrypt"

    /// The gRPC path: `/v2.KeyManagementService/<Method>`.
    public var path: String { "/v2.KeyManagementService/\(rawValue)" }

    /// The operation, in the vocabulary of the audit log and the metrics.
    public var operation: Operation {
        switch self {
        case .status: .stats
        case .encrypt: .encrypt
        case .decrypt: .decrypt
        }
    }
}
