import PKCS11
@testable import SSMCore
import Testing

@Suite("Key-handle cache")
struct KeyCacheTests {
    func key(_ id: Int32, handle: UInt) -> KeyInfo {
        KeyInfo(
            handle: ObjectHandle(rawValue: handle), label: "l", id: KeyID(rawValue: id), type: .aes, lengthBytes: 32,
            usage: .symmetricDefault, sensitive: true, extractable: false)
    }

    @Test("keys are kept sorted by id until they expire")
    func expiry() {
        let cache = KeyCache(ttl: .seconds(60))
        let now = ContinuousClock.now
        cache.store([key(2, handle: 20), key(1, handle: 10)], label: "l", generation: cache.generation(label: "l"), now: now)
        #expect(cache.keys(label: "l", now: now)?.map(\.handle.rawValue) == [10, 20])
        #expect(cache.keys(label: "l", now: now + .seconds(61)) == nil)
    }

    @Test("a lookup that started before a key change cannot store stale keys")
    func staleStoreIsDropped() {
        let cache = KeyCache(ttl: .seconds(60))
        let generation = cache.generation(label: "l")  // a lookup begins
        cache.invalidate(label: "l")  // a key of the label changes meanwhile
        cache.store([key(1, handle: 10)], label: "l", generation: generation)
        #expect(cache.keys(label: "l") == nil)
        cache.store([key(1, handle: 10), key(2, handle: 20)], label: "l", generation: cache.generation(label: "l"))
        #expect(cache.keys(label: "l")?.count == 2)
    }
}
