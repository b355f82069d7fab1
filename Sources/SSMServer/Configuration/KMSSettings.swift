import SSMCore

/// `kms.*`: the Kubernetes KMS v2 plugin, served beside HTTP when `kms.socket` is set
/// (README "Kubernetes KMS v2 plugin", docs/kms-plugin.md).
public struct KMSSettings: Sendable, Hashable {
    /// `kms.socket`: the Unix socket (an absolute path of at most 107 bytes).
    public var socket: String
    /// `kms.key`: the Transit key that encrypts (created when missing).
    public var key: String = Self.defaultKey
    /// `kms.socketGroup`: a group name or number given the socket (mode 0660); nil: mode
    /// 0600, ssm's user only.
    public var socketGroup: String?

    /// The default of `kms.key`.
    public static let defaultKey = "kubernetes-kms"
    /// The longest socket path a Unix socket address holds (`sun_path` less its NUL).
    public static let maxSocketPathBytes = 107

    /// Creates settings for the socket at `socket`.
    public init(socket: String, key: String = Self.defaultKey, socketGroup: String? = nil) {
        self.socket = socket
        self.key = key
        self.socketGroup = socketGroup
    }
}
