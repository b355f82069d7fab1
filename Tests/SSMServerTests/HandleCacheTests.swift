@testable import SSMCore
import Testing

@Suite("Handle cache")
struct HandleCacheTests {
    @Test("an entry is served until it expires")
    func expiry() {
        let cache = HandleCache<String, Int>(ttl: .seconds(60))
        let now = ContinuousClock.now
        cache.store(1, for: "l", ticket: cache.ticket(), now: now)
        #expect(cache.value(for: "l", now: now) == 1)
        #expect(cache.value(for: "l", now: now + .seconds(61)) == nil)
    }

    @Test("a lookup that started before a change of its key cannot store what it read; other keys can")
    func staleStoreIsDropped() {
        let cache = HandleCache<String, Int>(ttl: .seconds(60))
        let ticket = cache.ticket()  // a lookup begins
        cache.invalidate("l")  // the key changes meanwhile
        cache.store(1, for: "l", ticket: ticket)
        #expect(cache.value(for: "l") == nil)
        cache.store(2, for: "other", ticket: ticket)
        #expect(cache.value(for: "other") == 2)
        cache.store(3, for: "l", ticket: cache.ticket())
        #expect(cache.value(for: "l") == 3)
        cache.update("l", ticket: ticket) { $0 = 4 }
        #expect(cache.value(for: "l") == 3)
        cache.update("l", ticket: cache.ticket()) { $0 = 5 }
        #expect(cache.value(for: "l") == 5)
    }

    @Test("invalidateAll drops every entry and every lookup in flight")
    func invalidateAll() {
        let cache = HandleCache<String, Int>(ttl: .seconds(60))
        cache.store(1, for: "a", ticket: cache.ticket())
        let ticket = cache.ticket()
        cache.invalidateAll()
        #expect(cache.value(for: "a") == nil)
        cache.store(2, for: "b", ticket: ticket)
        #expect(cache.value(for: "b") == nil)
    }

    @Test("a flood of distinct keys (stores and invalidations) never holds more than the capacity")
    func bounded() {
        let cache = HandleCache<String, [UInt8]>(ttl: .seconds(60), capacity: 100)
        for index in 0..<10_000 {
            cache.store([1, 2, 3], for: "label-\(index)", ticket: cache.ticket())
            cache.invalidate("gone-\(index)")
            #expect(cache.counts.entries <= 100 && cache.counts.invalidations <= 100)
        }
        #expect(cache.counts.entries > 0)
        // A lookup that began before the invalidation record overflowed is refused, not trusted.
        let old = cache.ticket()
        for index in 0..<200 { cache.invalidate("more-\(index)") }
        cache.store([9], for: "late", ticket: old)
        #expect(cache.value(for: "late") == nil)
    }

    @Test("labels are compared as the HSM compares them: byte for byte, not by canonical equivalence")
    func labelBytes() {
        let composed = "caf\u{e9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // Swift's String equality
        let cache = KeyCache(ttl: .seconds(60))
        cache.store([], for: LabelBytes(composed), ticket: cache.ticket())
        #expect(cache.value(for: LabelBytes(composed)) != nil)
        #expect(cache.value(for: LabelBytes(decomposed)) == nil)
    }
}
