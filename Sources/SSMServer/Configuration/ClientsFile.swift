import SSMCore
import Foundation
import Yams

/// Reads the `clients:` mapping of the YAML configuration file, client id → credentials and
/// policy (mappings and lists of strings only, the shapes swift-configuration's YAML reader
/// accepts in the same file):
///
/// ```yaml
/// clients:
///   webconsole:
///     tokenSha256: 9f86d0...            # SHA-256 (hex) of the bearer token: `ssm clients token`
///     mtlsIdentity: dns:webconsole.internal # a name of its TLS client certificate: cn:, dns:, uri:, email: (bare: CN)
///     passwordHash: $2b$12$...          # bcrypt, for POST /login: `ssm clients hash-password`
///     policy:                           # operation: key-label patterns
///       encrypt: ["KEY_ENCRYPTION_*"]
///       decrypt: ["KEY_ENCRYPTION_*"]
///       stats: ["*"]                    # key-less operations: granted by being listed
/// ```
enum ClientsFile {
    /// The clients of the YAML text `yaml`, sorted by id.
    ///
    /// - Throws: ``ConfigurationError`` naming the client and field.
    static func clients(yaml: String) throws -> [Client] {
        try entries(yaml: yaml).map { try client(id: $0.0, $0.1) }
    }

    /// A warning for each client whose `mtlsIdentity` names no field: it matches the
    /// certificate's CN only, where it used to match a SAN too.
    static func bareIdentityWarnings(yaml: String) throws -> [String] {
        try entries(yaml: yaml).compactMap { id, entry in
            guard let text = entry["mtlsIdentity"] as? String,
                CertificateIdentity.Field(rawValue: String(text.prefix { $0 != ":" }).lowercased()) == nil
            else { return nil }
            return "clients.\(id).mtlsIdentity: '\(text)' matches the client certificate's CN only (not a SAN); "
                + "write cn:\(text) to say so, or dns:, uri:, email: for a SAN"
        }
    }

    /// Each client id with its mapping, sorted by id.
    private static func entries(yaml: String) throws -> [(String, [String: Any])] {
        let root: Any?
        do {
            root = try Yams.load(yaml: yaml)
        } catch {
            throw ConfigurationError(key: "clients", "the file is not valid YAML")
        }
        guard let document = root as? [String: Any], let clients = document["clients"] else { return [] }
        guard let entries = clients as? [String: Any] else {
            throw ConfigurationError(key: "clients", "must map client ids to {tokenSha256, mtlsIdentity, passwordHash, policy}")
        }
        return try entries.keys.sorted().map { id in
            guard let entry = entries[id] as? [String: Any] else {
                throw ConfigurationError(key: "clients.\(id)", "must be a mapping (tokenSha256, policy, ...)")
            }
            return (id, entry)
        }
    }

    private static func client(id: String, _ entry: [String: Any]) throws -> Client {
        let key = "clients.\(id)"
        let known: Set<String> = ["tokenSha256", "mtlsIdentity", "passwordHash", "policy"]
        if let unknown = entry.keys.sorted().first(where: { !known.contains($0) }) {
            throw ConfigurationError(key: "\(key).\(unknown)", "unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
        var tokenHash: [UInt8]?
        if let text = entry["tokenSha256"] {
            guard let text = text as? String, let bytes = Hex.decode(text.lowercased()), bytes.count == 32 else {
                throw ConfigurationError(key: "\(key).tokenSha256", "must be 64 hex digits (SHA-256 of the token)")
            }
            tokenHash = bytes
        }
        let mtls = (entry["mtlsIdentity"] as? String).map(CertificateIdentity.init(parsing:))
        let password = entry["passwordHash"] as? String
        if let password {
            guard let cost = Credentials.cost(ofPasswordHash: password) else {
                throw ConfigurationError(key: "\(key).passwordHash", "must be a bcrypt hash ($2b$...), never a password")
            }
            let costs = Credentials.passwordCosts
            guard costs.contains(cost) else {
                throw ConfigurationError(
                    key: "\(key).passwordHash",
                    "bcrypt cost \(cost) is outside \(costs.lowerBound)...\(costs.upperBound): "
                        + "hash the password again with `ssm clients hash-password`")
            }
        }
        guard tokenHash != nil || mtls != nil || password != nil else {
            throw ConfigurationError(key: key, "needs a credential: tokenSha256, mtlsIdentity or passwordHash")
        }
        guard let policy = entry["policy"] as? [String: Any] else {
            throw ConfigurationError(key: "\(key).policy", "missing: a mapping of operation to key-label patterns")
        }
        let rules = try policy.keys.sorted().map { name in
            guard let operation = Operation(rawValue: name) else {
                let all = Operation.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(key: "\(key).policy.\(name)", "unknown operation (known: \(all))")
            }
            let keys: [String]
            switch policy[name] {
            case let list as [String]: keys = list
            case let single as String: keys = [single]
            case let list as [Any] where list.isEmpty: keys = []
            default:
                throw ConfigurationError(key: "\(key).policy.\(name)", "must be a list of key-label patterns")
            }
            return Client.Rule(operations: [operation], keys: keys.map(Glob.init))
        }
        return Client(id: id, tokenSHA256: tokenHash, mtlsIdentity: mtls, passwordHash: password, rules: rules)
    }
}
