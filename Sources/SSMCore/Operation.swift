/// What a request does: the one vocabulary of operations, used by client policies
/// (`policy: {encrypt: [...]}`), the audit log and the HSM metrics (`operation` label).
public enum Operation: String, Sendable, CaseIterable, Codable {
    /// Encrypt with a key (every encrypt route).
    case encrypt
    /// Decrypt with a key (every decrypt route).
    case decrypt
    /// Generate a key, or rotate a Transit key.
    case generate
    /// Import or replace a key value (`/store-key`).
    case store
    /// Delete a key.
    case delete
    /// Find and read keys (listings, and the lookups behind errors).
    case list
    /// Read the pool's statistics and metrics.
    case stats
    /// Change a Transit key's configuration.
    case admin
    /// Sign (Transit keys).
    case sign
    /// Verify a signature or HMAC (Transit keys).
    case verify
    /// Compute an HMAC (Transit keys).
    case hmac
    /// Re-encrypt under a key's newest version (Transit keys).
    case rewrap
    /// Make a data key (Transit keys).
    case datakey
    /// Random bytes from the HSM.
    case random
}
