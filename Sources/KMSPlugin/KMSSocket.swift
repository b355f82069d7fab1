import Foundation
import NIOCore
import NIOPosix

/// The plugin's socket file: checked before the daemon starts, given its mode and group once
/// bound, removed when the plugin stops.
struct KMSSocket: Sendable {
    let path: String
    let group: KMSPluginConfiguration.SocketGroup?
    /// The group's id (a name looked up once, at start).
    let groupID: UInt32?
    let mode: Int

    /// - Throws: ``KMSPluginError`` when the group name is unknown.
    init(_ configuration: KMSPluginConfiguration) throws {
        path = configuration.socketPath
        group = configuration.socketGroup
        groupID = try configuration.socketGroup.map(Self.groupID)
        mode = configuration.socketMode
    }

    /// A group's id: a number as it is, a name through `getent group` (the system's name
    /// services: /etc/group, LDAP, ...).
    static func groupID(_ group: KMSPluginConfiguration.SocketGroup) throws -> UInt32 {
        switch group {
        case .id(let id):
            return id
        case .name(let name):
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["getent", "group", name]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                throw KMSPluginError("kms.socketGroup: cannot look up group '\(name)' (getent: \(error))")
            }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let fields = String(decoding: data, as: UTF8.self).split(separator: ":", omittingEmptySubsequences: false)
            guard process.terminationStatus == 0, fields.count >= 3, fields[0] == name,
                let id = UInt32(fields[2].trimmingCharacters(in: .whitespacesAndNewlines))
            else {
                throw KMSPluginError("kms.socketGroup: no group named '\(name)'")
            }
            return id
        }
    }

    /// Refuses a path ssm cannot serve: a directory that does not exist or cannot be written,
    /// a file there that is not a socket, a socket another process still serves, or a group
    /// the socket cannot be given (an unknown group was refused by ``init(_:)``). A stale
    /// socket (nobody accepts on it) is left for the listener, which replaces it.
    func check() async throws {
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw KMSPluginError("kms.socket: the directory '\(directory)' does not exist")
        }
        if let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType {
            guard type == .typeSocket else {
                throw KMSPluginError("kms.socket: '\(path)' exists and is not a socket; remove it or choose another path")
            }
            if await isServed() {
                throw KMSPluginError(
                    "kms.socket: another process serves '\(path)' (a second ssm?); stop it or choose another path")
            }
        }
        // A file of our own where the socket will be, given the socket's mode and group: proves
        // the directory is writable and the group may be given (ssm's user is in it, or is
        // root) before anything starts.
        let probe = "\(directory)/.ssm-kms-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: probe, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw KMSPluginError("kms.socket: cannot create files in '\(directory)'")
        }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        try applyOwnership(to: probe)
    }

    /// Whether a process accepts connections on the socket now.
    func isServed() async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(1))
                .connect(unixDomainSocketPath: path).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    /// Gives the bound socket its mode (0600, or 0660 with a group) and group.
    func applyOwnership() throws {
        try applyOwnership(to: path)
    }

    private func applyOwnership(to file: String) throws {
        var attributes: [FileAttributeKey: Any] = [.posixPermissions: mode]
        if let groupID { attributes[.groupOwnerAccountID] = NSNumber(value: groupID) }
        do {
            try FileManager.default.setAttributes(attributes, ofItemAtPath: file)
        } catch {
            let group = self.group.map { "group \($0) and " } ?? ""
            throw KMSPluginError(
                "kms.socketGroup: cannot give '\(file)' \(group)mode \(String(mode, radix: 8)) (\(Self.reason(error)))")
        }
    }

    /// Removes the socket file if it is still a socket (at stop: a client then finds no file
    /// rather than a socket nobody serves).
    func remove() {
        guard (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSocket else {
            return
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey].map { "\($0)" }
        return underlying ?? (error as NSError).localizedDescription
    }
}

extension KMSPluginConfiguration.SocketGroup: CustomStringConvertible {
    public var description: String {
        switch self {
        case .name(let name): "'\(name)'"
        case .id(let id): "\(id)"
        }
    }
}
