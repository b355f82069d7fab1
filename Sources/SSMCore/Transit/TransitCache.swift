import Synchronization

/// Metadata and version handles of `/v1` keys by name, each entry valid for `ttl`. A
/// generation per name keeps a lookup that raced with a change from storing what it read
/// before the change.
final class TransitCache: Sendable {
    struct Entry: Sendable {
        var metadata: TransitKeyMetadata
        var handles: [Int: VersionHandles] = [:]
        var loaded = ContinuousClock.now
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generations: [String: UInt64] = [:]
    }

    private let state = Mutex(State())
    private let ttl: Duration

    init(ttl: Duration) {
        self.ttl = ttl
    }

    func entry(_ name: String) -> Entry? {
        state.withLock { state in
            guard let entry = state.entries[name] else { return nil }
            guard ContinuousClock.now - entry.loaded < ttl else {
                state.entries[name] = nil
                return nil
            }
            return entry
        }
    }

    func handles(_ name: String, version: Int) -> VersionHandles? {
        state.withLock { $0.entries[name]?.handles[version] }
    }

    func generation(_ name: String) -> UInt64 {
        state.withLock { $0.generations[name, default: 0] }
    }

    func store(_ entry: Entry, name: String, generation: UInt64) {
        state.withLock { state in
            guard state.generations[name, default: 0] == generation else { return }
            state.entries[name] = entry
        }
    }

    func store(_ handles: VersionHandles, name: String, version: Int, generation: UInt64) {
        state.withLock { state in
            guard state.generations[name, default: 0] == generation else { return }
            state.entries[name]?.handles[version] = handles
        }
    }

    func invalidate(_ name: String) {
        state.withLock { state in
            state.entries[name] = nil
            state.generations[name, default: 0] &+= 1
        }
    }

    func invalidateAll() {
        state.withLock { state in
            for name in state.entries.keys { state.generations[name, default: 0] &+= 1 }
            state.entries.removeAll()
        }
    }
}
