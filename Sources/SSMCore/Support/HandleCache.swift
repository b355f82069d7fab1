import Synchronization

/// Object handles (or anything read from the token) by key, so that a request does not pay
/// a `C_FindObjects`: each entry valid for `ttl`, at most `capacity` entries, and
/// invalidation by generations so that a lookup that raced with a change cannot store what
/// it read before the change.
///
/// Bounded in every part: a full cache drops its expired entries, then arbitrary ones
/// until a tenth is free; the record of recent invalidations is capped the same way (when it overflows, every
/// lookup in flight is treated as stale, which only costs a later cache miss). Clients
/// choose the keys (labels, names), so nothing here may grow with what they send.
final class HandleCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// A reading of the cache's clock, taken before a lookup and handed to ``store(_:for:ticket:now:)``.
    struct Ticket: Sendable {
        fileprivate let clock: UInt64
    }

    private struct Entry {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// The clock at each key's latest invalidation (recent ones only).
        var invalidated: [Key: UInt64] = [:]
        /// Lookups that started before this are stale for every key.
        var floor: UInt64 = 0
        /// Advanced by every invalidation.
        var clock: UInt64 = 0

        func isCurrent(_ key: Key, _ ticket: Ticket) -> Bool {
            ticket.clock >= floor && ticket.clock >= invalidated[key, default: 0]
        }

        /// Makes room when full: every expired entry goes, and arbitrary ones until a tenth of
        /// the capacity is free, so that a flood of new keys costs one sweep per tenth.
        mutating func evict(now: ContinuousClock.Instant, capacity: Int) {
            entries = entries.filter { $0.value.expires > now }
            let target = capacity - max(1, capacity / 10)
            if entries.count > target {
                for victim in Array(entries.keys.prefix(entries.count - target)) { entries[victim] = nil }
            }
        }
    }

    private let state = Mutex(State())
    private let ttl: Duration
    /// Most entries kept (and most invalidations remembered).
    let capacity: Int

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = max(1, capacity)
    }

    /// The cached value of `key`, or nil when absent or expired.
    func value(for key: Key, now: ContinuousClock.Instant = .now) -> Value? {
        state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.expires > now else {
                state.entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// Read before looking a value up in the token.
    func ticket() -> Ticket {
        state.withLock { Ticket(clock: $0.clock) }
    }

    /// Stores `value` for `key` unless `key` was invalidated since `ticket` was taken.
    func store(_ value: Value, for key: Key, ticket: Ticket, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            guard state.isCurrent(key, ticket) else { return }
            if state.entries[key] == nil, state.entries.count >= capacity {
                state.evict(now: now, capacity: capacity)
            }
            state.entries[key] = Entry(value: value, expires: now + ttl)
        }
    }

    /// Changes the cached value of `key` in place (when present and `key` was not invalidated
    /// since `ticket`), keeping its expiry.
    func update(_ key: Key, ticket: Ticket, _ change: (inout Value) -> Void) {
        state.withLock { state in
            guard state.isCurrent(key, ticket), var entry = state.entries[key] else { return }
            change(&entry.value)
            state.entries[key] = entry
        }
    }

    /// Forgets `key`; lookups of it in flight will not store what they read.
    func invalidate(_ key: Key) {
        state.withLock { state in
            state.clock &+= 1
            state.entries[key] = nil
            if state.invalidated[key] == nil, state.invalidated.count >= capacity {
                state.invalidated.removeAll(keepingCapacity: true)
                state.floor = state.clock
            }
            state.invalidated[key] = state.clock
        }
    }

    /// Forgets everything (the HSM was reconnected: old handles mean nothing now).
    func invalidateAll() {
        state.withLock { state in
            state.clock &+= 1
            state.entries.removeAll()
            state.invalidated.removeAll()
            state.floor = state.clock
        }
    }

    /// How many entries and remembered invalidations are held (for tests and statistics).
    var counts: (entries: Int, invalidations: Int) {
        state.withLock { ($0.entries.count, $0.invalidated.count) }
    }
}
