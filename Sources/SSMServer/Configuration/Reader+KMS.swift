import SSMCore

extension Reader {
    /// `kms.*`: nil unless `kms.socket` is set; every key is read (and so checked) either way.
    func kms() throws -> KMSSettings? {
        var socket: String?
        var key = KMSSettings.defaultKey
        var group: String?
        read(&socket, "kms.socket")
        read(&key, "kms.key")
        read(&group, "kms.socketGroup")
        guard let socket else {
            if key != KMSSettings.defaultKey {
                throw ConfigurationError(key: "kms.key", "needs kms.socket (the plugin is off without it)")
            }
            if group != nil {
                throw ConfigurationError(key: "kms.socketGroup", "needs kms.socket (the plugin is off without it)")
            }
            return nil
        }
        guard socket.hasPrefix("/"), !socket.hasSuffix("/") else {
            throw ConfigurationError(key: "kms.socket", "must be the absolute path of a file, got '\(socket)'")
        }
        guard socket.utf8.count <= KMSSettings.maxSocketPathBytes else {
            throw ConfigurationError(
                key: "kms.socket", "must be at most \(KMSSettings.maxSocketPathBytes) bytes long, got \(socket.utf8.count)")
        }
        guard TransitLimits.isValidName(key) else {
            throw ConfigurationError(
                key: "kms.key", "must be a Transit key name (1 to 64 of A-Z a-z 0-9 _ . -), got '\(key.prefix(80))'")
        }
        if let group, group.isEmpty || group.contains(where: { $0 == ":" || $0 == "/" || $0.isWhitespace }) {
            throw ConfigurationError(key: "kms.socketGroup", "must be a group name or number, got '\(group)'")
        }
        return KMSSettings(socket: socket, key: key, socketGroup: group)
    }
}
