/// How the Kubernetes KMS v2 plugin is served: where its socket is, which Transit key is the
/// key encryption key, and who may connect.
public struct KMSPluginConfiguration: Sendable, Hashable {
    /// Who besides ssm's own user may connect to the socket.
    public enum SocketGroup: Sendable, Hashable {
        /// A group by name (`kube-apiserver`).
        case name(String)
        /// A group by number.
        case id(UInt32)
    }

    /// The Unix socket's path (absolute; kube-apiserver's `endpoint: unix://<path>`). The
    /// configuration reader checks it (`kms.socket`).
    public var socketPath: String
    /// The Transit key that encrypts (created as `aes256-gcm96` on first start when missing).
    public var keyName: String
    /// The socket's group: nil leaves it mode 0600 (ssm's user only); a group makes it 0660.
    public var socketGroup: SocketGroup?

    /// Creates a configuration.
    public init(socketPath: String, keyName: String, socketGroup: SocketGroup? = nil) {
        self.socketPath = socketPath
        self.keyName = keyName
        self.socketGroup = socketGroup
    }

    /// The socket's mode: 0600, or 0660 with a group.
    public var socketMode: Int { socketGroup == nil ? 0o600 : 0o660 }

    /// Parses `kms.socketGroup`: a number is a group id, anything else a group name.
    public static func socketGroup(parsing text: String) -> SocketGroup {
        if let id = UInt32(text) { return .id(id) }
        return .name(text)
    }
}
