import SSMCore
import Crypto

/// A caller of the API as configured under `clients:`: its credentials and its policy.
public struct Client: Sendable, Equatable {
    /// One rule of a policy: these operations on keys whose label matches one of `keys`.
    public struct Rule: Sendable, Equatable {
        /// The operations granted.
        public var operations: Set<Operation>
        /// The key labels they are granted on. Operations that involve no key (`stats`,
        /// `admin`, listing every key) are granted by the rule whatever its patterns; the
        /// listing then shows the labels that match a `list` pattern.
        public var keys: [Glob]

        /// A rule granting `operations` on `keys`.
        public init(operations: Set<Operation>, keys: [Glob] = []) {
            self.operations = operations
            self.keys = keys
        }
    }

    /// The client's name, in audit records and logs.
    public var id: String
    /// SHA-256 of its bearer token (the token itself is never stored).
    public var tokenSHA256: [UInt8]?
    /// The name its TLS client certificate must carry, in the field it names (mTLS).
    public var mtlsIdentity: CertificateIdentity?
    /// bcrypt hash of its password, for `POST /login` (`service_id` = ``id``).
    public var passwordHash: String?
    /// What it may do.
    public var rules: [Rule]

    /// A client in code (tests).
    public init(
        id: String, tokenSHA256: [UInt8]? = nil, mtlsIdentity: CertificateIdentity? = nil, passwordHash: String? = nil,
        rules: [Rule]
    ) {
        self.id = id
        self.tokenSHA256 = tokenSHA256
        self.mtlsIdentity = mtlsIdentity
        self.passwordHash = passwordHash
        self.rules = rules
    }

    /// Whether the policy grants `operation` on the key `label`, or — with no label — at all
    /// for a key-less use.
    public func allows(_ operation: Operation, key label: String?) -> Bool {
        rules.contains { rule in
            guard rule.operations.contains(operation) else { return false }
            guard let label else { return true }
            return rule.keys.contains { $0.matches(label) }
        }
    }

    /// SHA-256 of `token` as stored in `tokenSha256`.
    public static func tokenHash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}

/// The configured clients, looked up by credential.
public struct ClientRegistry: Sendable {
    /// Every client, in configuration order.
    public let clients: [Client]

    /// The registry of `clients`.
    public init(_ clients: [Client] = []) {
        self.clients = clients
    }

    /// True when clients are configured, so that every route but the open ones needs a
    /// credential. With none, the API is open as SSM's was (listening on loopback only,
    /// unless `server.insecure` says otherwise).
    public var isEnforcing: Bool { !clients.isEmpty }

    /// The client whose token hash equals SHA-256(`token`). Every client's hash is compared in
    /// full, whichever matches, so that the time taken does not depend on the token.
    public func client(bearerToken token: String) -> Client? {
        let hash = Client.tokenHash(token)
        var found: Client?
        for client in clients {
            guard let stored = client.tokenSHA256 else { continue }
            if ConstantTime.equal(stored, hash) && found == nil { found = client }
        }
        return found
    }

    /// The client whose mTLS identity is one of `identities` (the certificate's CNs and SANs,
    /// each with its field).
    public func client(certificateIdentities identities: [CertificateIdentity]) -> Client? {
        clients.first { client in client.mtlsIdentity.map { identities.contains($0) } ?? false }
    }

    /// The client named `id`.
    public func client(id: String) -> Client? {
        clients.first { $0.id == id }
    }
}

/// Comparisons of secrets whose time does not depend on where they differ.
enum ConstantTime {
    /// Whether `a` and `b` are equal, looking at every byte (lengths are not secret).
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
