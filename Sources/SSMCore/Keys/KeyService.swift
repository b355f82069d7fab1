import Logging
import PKCS11
import Synchronization

/// Keys and crypto operations of ssm, over the ``HSM``'s session pool.
///
/// - Encryption uses the newest key of a label (highest `CKA_ID`) that may encrypt and
///   reports its id; decryption takes that id, so rotating (adding a higher id) never
///   breaks old ciphertexts.
/// - Key handles are cached per label (``KeyCache``); the cache is dropped for a label
///   when this service changes its keys and when the HSM reports a handle invalid, in
///   which case the operation is retried once with fresh handles.
/// - Only keys of the SSM namespace (``KeyNamespace/ssm``) are reached: a label with a
///   reserved prefix is refused, and listings leave other namespaces out.
/// - Key creation, replacement and deletion of a label are serialised in this process and
///   claimed across every process sharing the token (``KeyStore/exclusive(_:identity:_:)``),
///   so an (id, label) pair is never created twice and automatic ids are unique.
public final class KeyService: Sendable {
    /// The HSM plumbing this service runs on (shared with the other key services).
    public let store: KeyStore
    let cache: KeyCache
    var logger: Logger { store.logger }

    /// The HSM this service works on.
    public var hsm: HSM { store.hsm }

    /// Creates the service over `store`.
    public init(store: KeyStore, keyCacheTTL: Duration = .seconds(60)) {
        self.store = store
        let cache = KeyCache(ttl: keyCacheTTL)
        self.cache = cache
        store.hsm.onReconnect { cache.invalidateAll() }
    }

    /// Creates the service over a connected HSM, with a store of its own.
    ///
    /// - Parameter metrics: where the service reports HSM call latency, session waits and
    ///   PKCS#11 errors (nowhere by default).
    public convenience init(hsm: HSM, keyCacheTTL: Duration = .seconds(60), logger: Logger, metrics: KeyServiceMetrics = .disabled) {
        self.init(store: KeyStore(hsm: hsm, logger: logger, metrics: metrics), keyCacheTTL: keyCacheTTL)
    }

    /// Runs `body` on a session through the store (measured; see ``KeyStore``).
    func run<R: Sendable>(
        _ operation: Operation, source: SessionSource = .pool, idempotent: Bool = true,
        _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        try await store.run(operation, source: source, idempotent: idempotent, body)
    }

    /// Reads every SSM-namespace secret key of `label` (all of the token's when nil): handle,
    /// id, type, size, usage. Keys of other namespaces (Transit, internal) are never
    /// returned. A key destroyed between the search and the read is left out. Finding
    /// nothing while the token forgot the login throws `CKR_USER_NOT_LOGGED_IN` (see
    /// ``KeyStore/requireLogin(_:)``).
    static func loadKeys(_ session: borrowing Session, label: String?) throws -> [KeyInfo] {
        if let label, KeyNamespace.of(label: label) != .ssm { return [] }
        var keys: [KeyInfo] = []
        let handles = try session.findSecretKeys(label: label)
        if handles.isEmpty { try KeyStore.requireLogin(session) }
        for handle in handles {
            do {
                let key = try session.keyInfo(handle)
                if KeyNamespace.of(label: key.label) == .ssm { keys.append(key) }
            } catch {
                guard error.errorClass == .objectProblem else { throw error }
            }
        }
        return keys
    }

    /// The SSM keys of `label`, sorted by id, read from the token and stored in `cache` (when
    /// given) unless the label changed meanwhile. Unknown labels are not cached: clients choose
    /// labels, and misses must not fill memory.
    static func loadKeys(_ session: borrowing Session, label: String, caching cache: KeyCache?) throws -> [KeyInfo] {
        let ticket = cache?.ticket()
        let keys = try loadKeys(session, label: label).sortedByID()
        if let cache, let ticket, !keys.isEmpty { cache.store(keys, for: LabelBytes(label), ticket: ticket) }
        return keys
    }

    /// Finds a key of `label`: the one with `id`, or when `id` is nil the newest that
    /// satisfies `usable`. Goes through `cache` when given, reloading once on a miss.
    static func resolveKey(
        _ session: borrowing Session, label: String, id: KeyID?, cache: KeyCache?,
        where usable: (KeyInfo) -> Bool = { _ in true }
    ) throws -> KeyInfo {
        func pick(_ keys: [KeyInfo]) -> KeyInfo? {
            if let id { return keys.last { $0.id == id } }
            return keys.last(where: usable)
        }
        if let cached = cache?.value(for: LabelBytes(label)), let key = pick(cached) {
            return key
        }
        let keys = try loadKeys(session, label: label, caching: cache)
        guard let key = pick(keys) else {
            throw KeyServiceError.keyNotFound(label: label, id: id)
        }
        return key
    }

    /// Runs `operation` with the resolved key; when the HSM says the cached handle is no
    /// longer valid, drops the label from the cache and tries once more with a fresh lookup.
    static func withKey<R>(
        _ session: borrowing Session, label: String, id: KeyID?, cache: KeyCache?,
        where usable: (KeyInfo) -> Bool = { _ in true },
        _ operation: (borrowing Session, KeyInfo) throws -> R
    ) throws -> R {
        let key = try resolveKey(session, label: label, id: id, cache: cache, where: usable)
        do {
            return try operation(session, key)
        } catch let error as PKCS11Error where error.errorClass == .objectProblem && cache != nil {
            cache?.invalidate(LabelBytes(label))
            let fresh = try resolveKey(session, label: label, id: id, cache: cache, where: usable)
            return try operation(session, fresh)
        }
    }
}
