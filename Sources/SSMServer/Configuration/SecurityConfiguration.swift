import Foundation

/// The security settings of `ssm serve`: who may call what, TLS, limits, audit, login tokens.
public struct SecurityConfiguration: Sendable {
    /// The configured clients (`clients:`); none: the API is open.
    public var clients = ClientRegistry()
    /// `server.insecure`: listen on a non-loopback address without TLS and clients (warned).
    public var insecure = false
    /// `server.maxConnections`: connections beyond this wait to be accepted.
    public var maxConnections = 4096
    /// `server.headerTimeout`: a connection whose request head has not fully arrived this long
    /// after it opened (or after its previous response) is closed (slow clients).
    public var headerTimeout: Duration = .seconds(30)
    /// `server.requestTimeout`: a request (head and body) not fully arrived this long after the
    /// connection opened (or after its previous response) is answered 408 and the connection closed.
    public var requestTimeout: Duration = .seconds(60)
    /// `server.maxConnectionsPerAddress`: connections from one IP address beyond this are
    /// closed as soon as they open; nil (`0` in the configuration): no such limit.
    public var maxConnectionsPerAddress: Int?
    /// `server.idleTimeout`: a connection with nothing to read or write this long is closed.
    public var idleTimeout: Duration? = .seconds(60)
    /// `server.unixSocket`: also listen on this Unix socket (created with mode 0600).
    public var unixSocket: String?
    /// `tls.*`: HTTPS settings; nil for plain HTTP.
    public var tls: TLSSettings?
    /// `limits.rateLimit` requests per second per client (0: no limit) with bursts of `limits.burst`.
    public var rateLimit = RateLimitSettings()
    /// `audit.*`: the audit log; nil for none.
    public var audit: AuditSettings?
    /// `login.*`: the JWTs `POST /login` issues.
    public var login = LoginSettings()

    /// The defaults (no clients, no TLS, no audit log).
    public init() {}
}

/// `tls.certificate`, `tls.key` (PEM files) and, for mTLS, `tls.clientCA`.
public struct TLSSettings: Sendable, Equatable {
    /// The server's certificate chain (PEM).
    public var certificate: String
    /// Its private key (PEM).
    public var key: String
    /// CA certificates (PEM) that client certificates must chain to; when set, every
    /// connection must present one (mTLS).
    public var clientCA: String?
    /// `tls.clientCertificate: required` (the default with a `clientCA`): a connection without
    /// a valid client certificate is refused. `optional`: a certificate, when presented, must
    /// be valid; without one, the client authenticates with a bearer token.
    public var requireClientCertificate: Bool

    /// HTTPS with `certificate` and `key`; mTLS when `clientCA` is given.
    public init(certificate: String, key: String, clientCA: String? = nil, requireClientCertificate: Bool = true) {
        self.certificate = certificate
        self.key = key
        self.clientCA = clientCA
        self.requireClientCertificate = requireClientCertificate
    }
}

/// A token bucket per client: `requestsPerSecond` refill, `burst` capacity.
public struct RateLimitSettings: Sendable, Equatable {
    /// Refill rate; 0 disables the limit.
    public var requestsPerSecond: Double = 0
    /// Bucket size.
    public var burst: Int = 20

    /// No limit unless `requestsPerSecond` is positive.
    public init(requestsPerSecond: Double = 0, burst: Int = 20) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
    }
}

/// `audit.sync`: when the audit log's writes are forced to disk (`fsync`).
public enum AuditSync: String, Sendable, CaseIterable {
    /// After every record: nothing acknowledged is lost in a power cut; one `fsync` per request.
    case record
    /// At every seal (`audit.sealInterval`): up to one interval of records may be lost.
    case interval
}

/// `audit.*`: the audit log.
public struct AuditSettings: Sendable, Equatable {
    /// The append-only JSON-lines file.
    public var file: String
    /// When true, a record that cannot be written is logged and the request proceeds; by
    /// default (false) the request fails.
    public var failOpen: Bool
    /// When writes are forced to disk.
    public var sync: AuditSync = .interval
    /// How often the chain is sealed with the HSM's HMAC (when records were added), and the
    /// file synced under `audit.sync: interval`.
    public var sealInterval: Duration = .seconds(1)

    /// An audit log in `file`.
    public init(file: String, failOpen: Bool = false, sync: AuditSync = .interval, sealInterval: Duration = .seconds(1)) {
        self.file = file
        self.failOpen = failOpen
        self.sync = sync
        self.sealInterval = sealInterval
    }
}

/// `login.*`: the JWTs `POST /login` issues, and how much password checking it may do.
public struct LoginSettings: Sendable, Equatable {
    /// Label of the P-256 key pair in the token that signs the JWTs (created if missing).
    public var keyLabel = "ssm-jwt-signing"
    /// Lifetime of an issued JWT.
    public var tokenTTL: Duration = .seconds(15 * 60)
    /// `iss` of issued JWTs, checked on the way back.
    public var issuer = "ssm"
    /// `aud` of issued JWTs, checked on the way back.
    public var audience = "ssm"
    /// Password checks (bcrypt, a fraction of a second of CPU each) running at once: half the
    /// cores, at least one, so that logins can never take every core.
    public var maxConcurrent = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    /// Attempts waiting for a check; beyond, 503 with `Retry-After`.
    public var maxQueued = 16
    /// Failed attempts allowed per minute, per client id (known or not) and, four times as
    /// many, per address: beyond, 429 with `Retry-After` and no password check. 0: no limit.
    public var failuresPerMinute = 5
    /// Failed attempts allowed at once before the per-minute rate applies (four times as many
    /// per address).
    public var failureBurst = 5

    /// The defaults.
    public init() {}
}
