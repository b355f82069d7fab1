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
/// - Key creation, replacement and deletion are serialised, so automatic ids are unique.
public final class KeyService: Sendable {
    /// The HSM this service works on.
    public let hsm: HSM
    let cache: KeyCache
    let mutations = AsyncMutex()
    let logger: Logger
    let metrics: KeyServiceMetrics

    /// Creates the service over a connected HSM.
    ///
    /// - Parameter metrics: where the service reports HSM call latency, session waits and
    ///   PKCS#11 errors (nowhere by default).
    public init(hsm: HSM, keyCacheTTL: Duration = .seconds(60), logger: Logger, metrics: KeyServiceMetrics = .disabled) {
        self.hsm = hsm
        let cache = KeyCache(ttl: keyCacheTTL)
        self.cache = cache
        self.logger = logger
        hsm.onReconnect { cache.invalidateAll() }
        self.metrics = metrics
    }

    /// Runs `body` on a session (pooled, or opened for it with `.perRequest`) and measures
    /// it: the wait for the session, the time `body` held it, and the PKCS#11 error that
    /// failed it. Every HSM call of the service goes through here.
    func run<R: Sendable>(
        _ operation: KeyServiceMetrics.Operation, source: SessionSource = .pool, idempotent: Bool = true,
        _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        let metrics = self.metrics
        let asked = ContinuousClock.now
        let firstAttempt = FirstAttempt()
        let measured: @Sendable (borrowing Session) throws -> R = { session in
            let start = ContinuousClock.now
            // A retry on another session is not a second wait.
            if firstAttempt.claim() { metrics.recordWait(source, start - asked) }
            defer { metrics.recordDuration(operation, ContinuousClock.now - start) }
            return try body(session)
        }
        do {
            switch source {
            case .pool: return try await hsm.withSession(idempotent: idempotent, measured)
            case .perRequest: return try await hsm.withEphemeralSession(measured)
            }
        } catch {
            metrics.recordError(operation, error)
            throw error
        }
    }

    /// Reads every secret key of `label` (all of the token's when nil): handle, id, type,
    /// size, usage. A key destroyed between the search and the read is left out. Finding
    /// nothing while the token forgot the login throws `CKR_USER_NOT_LOGGED_IN` (see
    /// ``requireLogin(_:)``).
    static func loadKeys(_ session: borrowing Session, label: String?) throws -> [KeyInfo] {
        var keys: [KeyInfo] = []
        let handles = try session.findSecretKeys(label: label)
        if handles.isEmpty { try requireLogin(session) }
        for handle in handles {
            do {
                keys.append(try session.keyInfo(handle))
            } catch {
                guard error.errorClass == .objectProblem else { throw error }
            }
        }
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
        if let cached = cache?.keys(label: label), let key = pick(cached) {
            return key
        }
        let generation = cache?.generation(label: label)
        let keys = try loadKeys(session, label: label)
        if let cache, let generation { cache.store(keys, label: label, generation: generation) }
        guard let key = pick(keys.sortedByID()) else {
            throw KeyServiceError.keyNotFound(label: label, id: id)
        }
        return key
    }

    /// Throws `CKR_USER_NOT_LOGGED_IN` when the token forgot the login: it then hides private
    /// objects instead of failing the search, and a missing key must not be reported as such
    /// (``HSM/withSession(idempotent:_:)`` logs in again and repeats the operation).
    static func requireLogin(_ session: borrowing Session) throws {
        switch try session.info().state {
        case .readWriteUser, .readOnlyUser: return
        default: throw PKCS11Error(.returnValue(.userNotLoggedIn), function: "C_FindObjects")
        }
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
            cache?.invalidate(label: label)
            let fresh = try resolveKey(session, label: label, id: id, cache: cache, where: usable)
            return try operation(session, fresh)
        }
    }
}

/// True for the first caller of ``claim()`` only.
private final class FirstAttempt: Sendable {
    private let claimed = Atomic<Bool>(false)

    func claim() -> Bool {
        !claimed.exchange(true, ordering: .relaxed)
    }
}
