import PKCS11
import Synchronization

/// Key handles by label, so that a request does not pay a `C_FindObjects`.
///
/// Object handles of token objects stay valid for the whole application, but keys can
/// change: entries are dropped when this process creates, replaces or destroys a key
/// of the label, when the HSM reports a handle invalid, and after `ttl` (keys created
/// by another process show up then).
final class KeyCache: Sendable {
    private struct Entry {
        var keys: [KeyInfo]  // sorted by id, ascending
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let ttl: Duration

    init(ttl: Duration) {
        self.ttl = ttl
    }

    /// The cached keys of `label`, sorted by id, or nil when absent or expired.
    func keys(label: String, now: ContinuousClock.Instant = .now) -> [KeyInfo]? {
        entries.withLock { entries in
            guard let entry = entries[label] else { return nil }
            guard entry.expires > now else {
                entries[label] = nil
                return nil
            }
            return entry.keys
        }
    }

    /// Stores the keys of `label` (sorted by id here).
    func store(_ keys: [KeyInfo], label: String, now: ContinuousClock.Instant = .now) {
        let sorted = keys.sorted { ($0.id?.rawValue ?? .min) < ($1.id?.rawValue ?? .min) }
        entries.withLock { $0[label] = Entry(keys: sorted, expires: now + ttl) }
    }

    /// Forgets `label`.
    func invalidate(label: String) {
        _ = entries.withLock { $0.removeValue(forKey: label) }
    }

    /// Forgets everything (after the HSM was re-initialised).
    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
