import Foundation
import Yams

/// Reads the `clients:` list of the YAML configuration file (a list of objects, which
/// swift-configuration's key-value view does not carry):
///
/// ```yaml
/// clients:
///   - id: webconsole
///     tokenSha256: 9f86d0...            # SHA-256 (hex) of the bearer token: `ssm clients token`
///     mtlsIdentity: webconsole.internal # the TLS client certificate's CN or a SAN
///     passwordHash: $2b$12$...          # bcrypt, for POST /login: `ssm clients hash-password`
///     policy:
///       - operations: [encrypt, decrypt]
///         keys: ["KEY_ENCRYPTION_*"]
///       - operations: [stats]
/// ```
enum ClientsFile {
    /// The clients of the YAML text `yaml`.
    ///
    /// - Throws: ``ConfigurationError`` naming the client and field.
    static func clients(yaml: String) throws -> [Client] {
        let root: Any?
        do {
            root = try Yams.load(yaml: yaml)
        } catch {
            throw ConfigurationError(key: "clients", "the file is not valid YAML")
        }
        guard let document = root as? [String: Any], let list = document["clients"] else { return [] }
        guard let entries = list as? [[String: Any]] else {
            throw ConfigurationError(key: "clients", "must be a list of clients (id, tokenSha256, policy, ...)")
        }
        var seen = Set<String>()
        return try entries.enumerated().map { index, entry in
            let client = try self.client(entry, index: index)
            guard seen.insert(client.id).inserted else {
                throw ConfigurationError(key: "clients[\(index)].id", "'\(client.id)' appears twice")
            }
            return client
        }
    }

    private static func client(_ entry: [String: Any], index: Int) throws -> Client {
        let known: Set<String> = ["id", "tokenSha256", "mtlsIdentity", "passwordHash", "policy"]
        if let unknown = entry.keys.first(where: { !known.contains($0) }) {
            throw ConfigurationError(key: "clients[\(index)].\(unknown)", "unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let id = entry["id"] as? String, !id.isEmpty else {
            throw ConfigurationError(key: "clients[\(index)].id", "missing: every client needs an id")
        }
        let key = "clients[\(id)]"
        var tokenHash: [UInt8]?
        if let text = entry["tokenSha256"] {
            guard let text = text as? String, let bytes = Hex.decode(text.lowercased()), bytes.count == 32 else {
                throw ConfigurationError(key: "\(key).tokenSha256", "must be 64 hex digits (SHA-256 of the token)")
            }
            tokenHash = bytes
        }
        let mtls = entry["mtlsIdentity"] as? String
        let password = entry["passwordHash"] as? String
        if let password, !(password.hasPrefix("$2a$") || password.hasPrefix("$2b$") || password.hasPrefix("$2y$")) {
            throw ConfigurationError(key: "\(key).passwordHash", "must be a bcrypt hash ($2b$...), never a password")
        }
        guard tokenHash != nil || mtls != nil || password != nil else {
            throw ConfigurationError(key: key, "needs a credential: tokenSha256, mtlsIdentity or passwordHash")
        }
        guard let policy = entry["policy"] as? [[String: Any]] else {
            throw ConfigurationError(key: "\(key).policy", "missing: a list of {operations: [...], keys: [...]}")
        }
        let rules = try policy.enumerated().map { ruleIndex, rule in
            try self.rule(rule, key: "\(key).policy[\(ruleIndex)]")
        }
        return Client(id: id, tokenSHA256: tokenHash, mtlsIdentity: mtls, passwordHash: password, rules: rules)
    }

    private static func rule(_ rule: [String: Any], key: String) throws -> Client.Rule {
        guard let names = rule["operations"] as? [String], !names.isEmpty else {
            throw ConfigurationError(key: "\(key).operations", "missing: a list of operations")
        }
        let operations = try names.map { name in
            guard let operation = Operation(rawValue: name) else {
                let all = Operation.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(key: "\(key).operations", "unknown operation '\(name)' (known: \(all))")
            }
            return operation
        }
        let keys: [String]
        switch rule["keys"] {
        case nil: keys = []
        case let list as [String]: keys = list
        case let single as String: keys = [single]
        default: throw ConfigurationError(key: "\(key).keys", "must be a list of key-label patterns")
        }
        return Client.Rule(operations: Set(operations), keys: keys.map(Glob.init))
    }
}
