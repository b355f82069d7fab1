import PKCS11
import Synchronization

/// Key handles by label, so that a request does not pay a `C_FindObjects`.
///
/// Object handles of token objects stay valid for the whole application, but keys can
/// change: entries are dropped when this process creates, replaces or destroys a key
/// of the label, when the HSM reports a handle invalid, and after `ttl` (keys created
/// by another process show up then).
final class KeyCache: Sendable {
    fileprivate struct Entry {
        var keys: [KeyInfo]  // sorted by id, ascending
        var expires: ContinuousClock.Instant
    }

    fileprivate struct State {
        var entries: [String: Entry] = [:]
        /// Bumped by every invalidation of a label, so that a lookup that started before a
        /// key change cannot store what it read after the change.
        var generations: [String: UInt64] = [:]
        /// Bumped by ``KeyCache/invalidateAll()``; added to every label's generation.
        var epoch: UInt64 = 0
    }

    private let state = Mutex(State())
    private let ttl: Duration

    init(ttl: Duration) {
        self.ttl = ttl
    }

    /// The cached keys of `label`, sorted by id, or nil when absent or expired.
    func keys(label: String, now: ContinuousClock.Instant = .now) -> [KeyInfo]? {
        state.withLock { state in
            guard let entry = state.entries[label] else { return nil }
            guard entry.expires > now else {
                state.entries[label] = nil
                return nil
            }
            return entry.keys
        }
    }

    /// The label's generation: read it before looking keys up, give it to ``store(_:label:generation:now:)``.
    func generation(label: String) -> UInt64 {
        state.withLock { $0.generation(label: label) }
    }

    /// Stores the keys of `label` (sorted by id here), unless the label was invalidated since
    /// `generation` was read.
    func store(_ keys: [KeyInfo], label: String, generation: UInt64, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            guard state.generation(label: label) == generation else { return }
            state.entries[label] = Entry(keys: keys.sortedByID(), expires: now + ttl)
        }
    }

    /// Forgets every label (the HSM was reconnected: old handles mean nothing now).
    func invalidateAll() {
        state.withLock { state in
            state.entries = [:]
            state.epoch &+= 1
        }
    }

    /// Forgets `label`.
    func invalidate(label: String) {
        state.withLock { state in
            state.entries[label] = nil
            state.generations[label, default: 0] &+= 1
        }
    }
}

extension KeyCache.State {
    /// Both parts only grow, so any invalidation changes the sum.
    func generation(label: String) -> UInt64 {
        generations[label, default: 0] &+ epoch
    }
}

extension Array where Element == KeyInfo {
    /// Sorted by id, ascending; keys without an id first.
    func sortedByID() -> [KeyInfo] {
        sorted { ($0.id?.rawValue ?? .min) < ($1.id?.rawValue ?? .min) }
    }
}
