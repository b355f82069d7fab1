import Logging
import PKCS11
import SoftHSMTestSupport
import Testing

@testable import SSMCore

@Suite("Keys counted per namespace (the status page)")
struct KeyCensusTests {
    @Test("labels are counted by namespace: key objects, and distinct labels or names")
    func tally() {
        let counts = KeyCensus.tally([
            "payments", "payments", "legacy", "ssm-v1/orders/1", "ssm-v1/orders/2", "ssm-v1/a/b/1",
            "ssm-internal/ssm-jwt-signing",
        ])
        #expect(counts[.ssm] == KeyCensus.Count(keys: 3, names: 2))
        #expect(counts[.transit] == KeyCensus.Count(keys: 3, names: 2))
        #expect(counts[.internal] == KeyCensus.Count(keys: 1, names: 1))
        #expect(KeyCensus.tally([])[.transit] == KeyCensus.Count())
    }

    @Test("counts a token's keys in every namespace, and serves the count for its TTL")
    func census() async throws {
        let token = try SoftHSMToken.shared()
        try await withTestApp(token: (token.censusLabel, token.pin)) { _, hsm in
            let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
            let store = KeyStore(hsm: hsm, logger: logger)
            let census = KeyCensus(store: store, ttl: .seconds(3600))
            let empty = try await census.counts()
            #expect(empty.byNamespace[.ssm] == KeyCensus.Count() && empty.byNamespace[.transit] == KeyCensus.Count())

            let keys = KeyService(store: store)
            _ = try await keys.generate(.aes(bits: 256), label: "census-a", id: nil)
            _ = try await keys.generate(.aes(bits: 256), label: "census-a", id: nil)
            _ = try await keys.generate(.aes(bits: 128), label: "census-b", id: nil)
            let transit = TransitService(store: store)
            _ = try await transit.create(name: "census", type: .aes256GCM)
            _ = try await transit.rotate(name: "census")
            _ = try await InternalKeys(store: store).ensureSigningKey(name: "census")

            // Within the TTL: the count made before the keys.
            #expect(try await census.counts() == empty)
            let later = try await census.counts(now: .now + .seconds(3601))
            #expect(later.byNamespace[.ssm] == KeyCensus.Count(keys: 3, names: 2))
            #expect(later.byNamespace[.transit] == KeyCensus.Count(keys: 2, names: 1))
            #expect(later.byNamespace[.internal] == KeyCensus.Count(keys: 1, names: 1))
        }
    }
}
