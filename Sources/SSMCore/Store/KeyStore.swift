import Logging
import PKCS11
import Synchronization

/// The HSM plumbing every key service shares: metered calls on the session pool, changes
/// serialised in this process and claimed across processes (``IdentityClaims``), and the
/// login check behind an empty search. ``KeyService`` (SSM keys), ``TransitService``
/// (Transit keys) and ``InternalKeys`` all run their HSM work through one store.
public final class KeyStore: Sendable {
    /// The HSM this store works on.
    public let hsm: HSM
    let metrics: KeyServiceMetrics
    let logger: Logger
    /// Key changes of the whole process, one at a time: a process never contends with itself
    /// for a claim, however many stores (HSM connections) it has.
    static let mutations = AsyncMutex()
    /// How long a change waits for another process to release its identity.
    let claimTimeout: Duration

    /// Creates the store over a connected HSM.
    ///
    /// - Parameter metrics: where HSM call latency, session waits and PKCS#11 errors are
    ///   reported (nowhere by default).
    public init(hsm: HSM, logger: Logger, metrics: KeyServiceMetrics = .disabled, claimTimeout: Duration = .seconds(10)) {
        self.hsm = hsm
        self.logger = logger
        self.metrics = metrics
        self.claimTimeout = claimTimeout
    }

    /// Runs `body` on a session (pooled, or opened for it with `.perRequest`) and measures
    /// it: the wait for the session, the time `body` held it, and the PKCS#11 error that
    /// failed it. Every HSM call of the key services goes through here; `calls` is how many
    /// PKCS#11 operations `body` makes (``HSM/withSession(idempotent:calls:_:)``).
    func run<R: Sendable>(
        _ operation: Operation, source: KeyService.SessionSource = .pool, idempotent: Bool = true, calls: Int = 1,
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
            case .pool: return try await hsm.withSession(idempotent: idempotent, calls: calls, measured)
            case .perRequest: return try await hsm.withEphemeralSession(measured)
            }
        } catch {
            metrics.recordError(operation, error)
            throw error
        }
    }

    /// Runs a change of `identity`: alone among this process's changes (one FIFO lock for the
    /// process) and
    /// among every process sharing the token (an identity claim held for the duration of
    /// `body`), on one session, not repeated on a lost session. While another process holds
    /// the identity it backs off for a random, growing time and tries again, for at most
    /// `claimTimeout`.
    ///
    /// - Throws: ``HSMUnavailableError`` (retry later) when the identity stayed claimed;
    ///   what `body` throws.
    func exclusive<R: Sendable>(
        _ operation: Operation, identity: ClaimIdentity,
        _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        try await Self.mutations.withLock {
            let deadline = ContinuousClock.now + claimTimeout
            // About one claim's length (its settle time), doubling: contenders that came back
            // sooner would only find each other's claims again.
            var pause = IdentityClaims.settle
            while true {
                let outcome = try await run(operation, idempotent: false) { session -> Claimed<R> in
                    guard let claim = try IdentityClaims.acquire(session, identity) else { return .contended }
                    defer { IdentityClaims.release(session, claim) }
                    return .done(try body(session))
                }
                if case .done(let value) = outcome { return value }
                guard ContinuousClock.now < deadline else {
                    throw HSMUnavailableError(
                        reason: "another ssm process is changing '\(identity)'; retry", retryAfter: .seconds(1))
                }
                logger.debug("identity claimed by another process; backing off", metadata: ["identity": "\(identity)"])
                try await Task.sleep(for: pause * Double.random(in: 0.2...1))
                pause = min(pause * 2, .milliseconds(320))
            }
        }
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
}

/// The result of one attempt at a claimed change.
enum Claimed<R: Sendable>: Sendable {
    case done(R)
    case contended
}

/// True for the first caller of ``claim()`` only.
private final class FirstAttempt: Sendable {
    private let claimed = Atomic<Bool>(false)

    func claim() -> Bool {
        !claimed.exchange(true, ordering: .relaxed)
    }
}
