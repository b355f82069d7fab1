import PKCS11
import Synchronization

/// How many keys the token holds in each namespace (``KeyNamespace``), for the status page.
///
/// A count reads every secret and private key's label (one `C_FindObjects` per class, then
/// one `C_GetAttributeValue` per object) on a pooled session, so it is kept for `ttl` and
/// made again only when asked after that; callers asking while a count runs wait for it
/// rather than starting their own. A public key is the other half of a private key and is not
/// counted again; Transit metadata and identity claims are data objects, not keys.
public final class KeyCensus: Sendable {
    /// The keys of one namespace.
    public struct Count: Sendable, Equatable, Encodable {
        /// Key objects: each SSM key (label and id), each Transit key version, each internal key.
        public var keys = 0
        /// Distinct names: SSM labels, Transit key names, internal key names.
        public var names = 0
    }

    /// A census of the token.
    public struct Counts: Sendable, Equatable {
        /// The count of each namespace (every namespace present, zero when it has no key).
        public var byNamespace: [KeyNamespace: Count]
        /// When the objects were read.
        public var taken: ContinuousClock.Instant
    }

    private struct State {
        var latest: Counts?
    }

    let store: KeyStore
    /// How long a count is served before the token is read again.
    public let ttl: Duration
    private let state = Mutex(State())
    /// One count at a time; the others wait and take its result.
    private let counting = AsyncMutex()

    /// A census of the token behind `store`, counted at most once per `ttl`.
    public init(store: KeyStore, ttl: Duration = .seconds(30)) {
        self.store = store
        self.ttl = ttl
    }

    /// The latest count when younger than ``ttl``, else a new one.
    ///
    /// - Throws: what the HSM throws (``HSMUnavailableError`` while it is unreachable).
    public func counts(now: ContinuousClock.Instant = .now) async throws -> Counts {
        if let fresh = fresh(at: now) { return fresh }
        return try await counting.withLock {
            // Counted by another caller while this one waited?
            if let fresh = fresh(at: now) { return fresh }
            let byNamespace = try await store.run(.list) { session in try Self.count(session) }
            let counts = Counts(byNamespace: byNamespace, taken: .now)
            state.withLock { $0.latest = counts }
            return counts
        }
    }

    private func fresh(at now: ContinuousClock.Instant) -> Counts? {
        state.withLock { state in
            guard let latest = state.latest, now - latest.taken < ttl else { return nil }
            return latest
        }
    }

    /// Reads the label of every secret and private key and counts them by namespace.
    static func count(_ session: borrowing Session) throws -> [KeyNamespace: Count] {
        var labels: [String] = []
        for objectClass in [ObjectClass.secretKey, .privateKey] {
            for handle in try session.findObjects(objectClass) {
                do {
                    labels.append(try session.label(of: handle))
                } catch {
                    // Destroyed between the search and the read.
                    guard error.errorClass == .objectProblem else { throw error }
                }
            }
        }
        if labels.isEmpty { try KeyStore.requireLogin(session) }
        return tally(labels)
    }

    /// Counts `labels` (one per key object) by namespace: keys, and distinct names.
    static func tally(_ labels: [String]) -> [KeyNamespace: Count] {
        var names: [KeyNamespace: Set<Substring>] = [:]
        var counts: [KeyNamespace: Count] = [:]
        for namespace in KeyNamespace.allCases {
            counts[namespace] = Count()
            names[namespace] = []
        }
        for label in labels {
            let namespace = KeyNamespace.of(label: label)
            counts[namespace, default: Count()].keys += 1
            names[namespace, default: []].insert(name(of: label, in: namespace))
        }
        for (namespace, set) in names { counts[namespace, default: Count()].names = set.count }
        return counts
    }

    /// The name a key object belongs to: its label (SSM keys), the key name of a Transit
    /// version (`ssm-v1/<name>/<version>`), the internal key's name.
    static func name(of label: String, in namespace: KeyNamespace) -> Substring {
        guard let prefix = namespace.labelPrefix else { return Substring(label) }
        let rest = label.dropFirst(prefix.count)
        guard namespace == .transit, let slash = rest.lastIndex(of: "/") else { return rest }
        return rest[..<slash]
    }
}
