import Logging
import PKCS11
import SessionPool
import Synchronization

/// The application's connection to one token of one PKCS#11 module.
///
/// `HSM` loads the module (`C_Initialize` once), selects the token, opens an *anchor*
/// session and logs the user in on it (a ``TokenLink``). Work borrows a session from the pool
/// through ``withSession(idempotent:_:)``; the session cannot escape the closure and is given
/// back on every path.
///
/// ## Faults
/// Errors are handled by class (``PKCS11ErrorClass``): a lost session is closed and a
/// repeatable operation runs once more on another; a lost login is restored and the operation
/// repeated; a lost device opens the circuit breaker — requests fail at once with
/// ``HSMUnavailableError`` while a background task finalizes the module, initializes it
/// again, logs in, clears the key-handle caches (``onReconnect(_:)``) and reopens `minSize`
/// sessions, retrying with a growing interval (``RecoveryConfiguration``). `C_Finalize` waits
/// for the calls in flight to leave the module. ``checkHealth()`` (run periodically by
/// ``HSMService``) notices a dead HSM or a lost login before a request does.
public final class HSM: Sendable {
    /// The pool of sessions lent to ``withSession(idempotent:_:)``.
    let pool: ResourcePool<TokenSessionFactory>
    /// Bounds the sessions of ``withEphemeralSession(_:)``: as many as the pool's, waited for
    /// at most `acquireTimeout`.
    private let ephemeralPermits: ResourcePool<PermitFactory>
    let executor: BlockingExecutor
    let links: LinkHolder
    let breaker: CircuitBreaker
    let configuration: Settings
    let logger: Logger
    let state: Mutex<State>

    /// What ``HSM`` keeps of its configuration (the PIN in a ``Secret``, zeroed when released).
    struct Settings: Sendable {
        let modulePath: String
        let token: TokenSelector
        let recovery: RecoveryConfiguration
    }

    /// Mutable bookkeeping.
    struct State: Sendable {
        /// The PIN that worked last, kept to log in again (lost login, reconnection); replaced
        /// by ``HSM/changePIN(_:)`` once the token accepts a new one.
        var pin: Secret
        /// A new PIN given while the HSM was lost, for the reconnection to try first.
        var pendingPIN: Secret?
        /// PINs the token refused, never offered to that token again (``HSM/logInWithUsablePIN(on:token:)``).
        var refused: [RefusedLogin] = []
        var refusals: UInt64 = 0
        var lastRefusal: String?
        /// Every PIN held was refused: no login is tried until a new PIN comes.
        var waitingForPIN = false
        var pool: PoolConfiguration
        var recovery: Task<Void, Never>?
        var reconnectHandlers: [@Sendable () -> Void] = []
        var isShutDown = false

        init(pin: Secret, pool: PoolConfiguration) {
            self.pin = pin
            self.pool = pool
        }
    }

    private init(
        link: TokenLink, configuration: HSMConfiguration, pin: Secret, executor: BlockingExecutor, logger: Logger
    ) {
        self.links = LinkHolder(link)
        self.breaker = CircuitBreaker()
        self.executor = executor
        self.logger = logger
        self.configuration = Settings(
            modulePath: configuration.modulePath, token: configuration.token, recovery: configuration.recovery)
        self.state = Mutex(State(pin: pin, pool: configuration.pool))
        // The anchor session takes one of the token's sessions.
        let limit = link.token.maxRWSessionCount.map { max(1, $0 - 1) }
        let factory = TokenSessionFactory(links: links, breaker: breaker, executor: executor, resourceLimit: limit)
        self.pool = ResourcePool(factory: factory, configuration: configuration.pool, logger: logger)
        self.ephemeralPermits = ResourcePool(
            factory: PermitFactory(), configuration: Self.permitConfiguration(configuration.pool, maxSize: pool.maxSize),
            logger: logger)
    }

    static func permitConfiguration(_ pool: PoolConfiguration, maxSize: Int) -> PoolConfiguration {
        PoolConfiguration(
            maxSize: maxSize, minSize: 0, acquireTimeout: pool.acquireTimeout, maxWaiters: pool.maxWaiters,
            overflow: pool.overflow == .fail ? .fail : .wait, checkAfterIdle: nil)
    }

    /// Loads the module, selects the token, logs in and prepares the pool (not yet prewarmed:
    /// ``HSMService`` or ``ResourcePool/prewarm()`` opens `minSize` sessions).
    ///
    /// - Throws: ``PKCS11Error`` naming the module path, the missing token (with the tokens
    ///   present) or the failed call (`C_Login` with `CKR_PIN_INCORRECT`, ...).
    public static func connect(_ configuration: HSMConfiguration, logger: Logger) async throws -> HSM {
        try configuration.pool.validate()
        let executor = BlockingExecutor(placement: configuration.placement)
        let credentials = Secret(copying: configuration.pin)
        let link: TokenLink
        do {
            link = try await executor.run {
                try TokenLink.open(modulePath: configuration.modulePath, token: configuration.token, pin: credentials)
            }
        } catch {
            await executor.shutdown()
            throw error
        }
        let hsm = HSM(link: link, configuration: configuration, pin: credentials, executor: executor, logger: logger)
        let token = link.token
        logger.info(
            "connected to token",
            metadata: [
                "module": "\(configuration.modulePath)", "token": "\(token.label)", "slot": "\(token.slot)",
                "serial": "\(token.serialNumber)", "pool.maxSize": "\(hsm.pool.maxSize)", "calls": "\(configuration.placement)",
            ])
        return hsm
    }

    /// The token in use.
    public var token: TokenInfo { links.current.token }

    /// Borrows a pooled session for the duration of `body`.
    ///
    /// `body` runs where blocking calls belong (see ``HSMCallPlacement``). The session comes
    /// back to the pool on every path; when `body` fails with a session-lost or device-lost
    /// error the session is closed instead.
    ///
    /// - Parameter idempotent: whether `body` is safe to run twice. When it is, a failure
    ///   because its session was lost (`CKR_SESSION_HANDLE_INVALID`, `CKR_SESSION_CLOSED`)
    ///   runs it once more on another session, and a failure because the token forgot the
    ///   login (`CKR_USER_NOT_LOGGED_IN`) logs in again and runs it once more. Key creation
    ///   and deletion pass `false`.
    /// - Parameter calls: how many PKCS#11 operations `body` makes (a batch's items): the
    ///   placement judges the module's speed per operation.
    /// - Throws: ``HSMUnavailableError`` at once while the HSM is lost;
    ///   ``PoolError`` when no session frees up in time or the queue is full; what `body`
    ///   throws (a device-lost error also starts the reconnection).
    public func withSession<R: Sendable>(
        idempotent: Bool = true, calls: Int = 1, _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        try await admit()
        do {
            do {
                return try await onPooledSession(calls: calls, body)
            } catch let error as PKCS11Error where idempotent && error.errorClass == .sessionLost {
                // The pool has closed the lost session; another one is likely fine.
                logger.warning("session lost; retrying once on another session", metadata: ["error": "\(error)"])
                return try await onPooledSession(calls: calls, body)
            } catch let error as PKCS11Error where idempotent && error.errorClass == .loginLost {
                logger.warning("login lost; logging in again and retrying once", metadata: ["error": "\(error)"])
                try await logIn()
                return try await onPooledSession(calls: calls, body)
            }
        } catch let error as PKCS11Error where error.errorClass == .deviceLost {
            deviceLost(error)
            throw error
        }
    }

    /// Runs `body` on a pooled session of the current link. A session of a link replaced since
    /// it was opened (its module finalized) is closed and another one is borrowed. (When the
    /// module was not finalized because another component of the process holds it, its old
    /// sessions are still valid and stay in use.)
    private func onPooledSession<R: Sendable>(
        calls: Int, _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        let executor = self.executor
        while true {
            do {
                return try await pool.withResource { handle in
                    guard !handle.module.isFinalized else { throw StaleSessionError() }
                    return try await executor.run(calls: calls) { () throws -> R in
                        let session = Session(handle)
                        return try body(session)
                    }
                }
            } catch is StaleSessionError {
                continue
            }
        }
    }

    /// Opens a session for `body` alone and closes it afterwards, bypassing the session pool
    /// (SSM's per-request behaviour, kept for `/encrypt`). At most `maxSize` such sessions
    /// exist at once; a request waits at most `acquireTimeout` for its turn
    /// (``PoolError/acquireTimeout(_:)`` after that).
    public func withEphemeralSession<R: Sendable>(_ body: @escaping @Sendable (borrowing Session) throws -> R) async throws -> R {
        try await admit()
        let link = links.current
        let executor = self.executor
        do {
            return try await ephemeralPermits.withResource { _ in
                // Three PKCS#11 operations for the placement's per-operation average: opening the
                // session, the body's call, closing it.
                try await executor.run(calls: 3) { () throws -> R in
                    let handle = try link.openSession()
                    defer { try? handle.close() }
                    let session = Session(handle)
                    return try body(session)
                }
            }
        } catch let error as PKCS11Error where error.errorClass == .deviceLost {
            deviceLost(error)
            throw error
        }
    }

    /// Lets a request in: at once while the breaker is closed, after a short wait while a PIN
    /// change is under way (at most `acquireTimeout`), never while the HSM is lost.
    private func admit() async throws {
        var phase = breaker.phase
        if phase == .closed { return }
        if phase == .paused {
            let deadline = ContinuousClock.now + state.withLock { $0.pool.acquireTimeout }
            while phase == .paused, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(2))
                phase = breaker.phase
            }
            if phase == .closed { return }
            if phase == .paused {
                throw HSMUnavailableError(reason: "the HSM login is being changed; retry", retryAfter: .seconds(1))
            }
        }
        throw HSMUnavailableError(
            reason: "the HSM is unavailable; ssm is reconnecting", retryAfter: breaker.retryAfter)
    }

    /// Logs the application in again, on the anchor session.
    /// A PIN the token refused is not tried again (``logInWithUsablePIN(on:token:)``): then
    /// this throws ``HSMUnavailableError`` at once.
    func logIn() async throws {
        let link = links.current
        do {
            _ = try await executor.run { () throws -> Bool in
                try link.withAnchor { try self.logInWithUsablePIN(on: $0, token: link.token) }
                return true
            }
        } catch let error as PINRefusedError {
            throw HSMUnavailableError(reason: error.description, retryAfter: .seconds(30))
        }
    }

    /// Opens the pool's `minSize` sessions now (``HSMService`` also does it when it starts).
    public func prewarm() async throws {
        try await pool.prewarm()
    }

    /// Whether requests can be served: the breaker is closed and the anchor session is open
    /// and logged in (the readiness condition).
    public func isReady() async -> Bool {
        guard breaker.phase != .open, breaker.phase != .halfOpen, !loginStatus().waitingForPIN else { return false }
        let link = links.current
        let state = try? await executor.run { () throws -> SessionState in
            try link.withAnchor { try $0.info().state }
        }
        switch state {
        case .readWriteUser?, .readOnlyUser?: return true
        default: return false
        }
    }

    /// The pool's current statistics.
    public func statistics() -> PoolStatistics {
        pool.statistics()
    }

    /// Where PKCS#11 calls run now (the adaptive placement's fast lane) and how often they left it.
    public func fastLane() -> FastLaneStatus {
        executor.fastLaneStatus
    }

    /// The circuit breaker's state and counters.
    public func circuit() -> CircuitStatus {
        breaker.status()
    }

    /// Registers `handler`, called after every reconnection, before requests are let in again
    /// (object handles of the old connection mean nothing to the new one: drop caches of them).
    public func onReconnect(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.reconnectHandlers.append(handler) }
    }

    /// Closes every session (the pool's, then the anchor), calls `C_Finalize` and stops the
    /// HSM threads. Call once, after the last request.
    public func shutdown() async {
        let recovery = state.withLock { state in
            state.isShutDown = true
            return state.recovery
        }
        recovery?.cancel()
        await recovery?.value
        await ephemeralPermits.shutdown()
        await pool.shutdown()
        let link = links.current
        _ = try? await executor.run { () throws -> Bool in
            link.close()
            return true
        }
        await executor.shutdown()
        logger.info("closed all sessions and finalized the PKCS#11 module")
    }

    /// Applies new pool settings at run time (SIGHUP). The thread pool keeps its size.
    public func reconfigure(pool configuration: PoolConfiguration) async throws {
        try configuration.validate()
        state.withLock { $0.pool = configuration }
        await pool.reconfigure(configuration)
        await ephemeralPermits.reconfigure(Self.permitConfiguration(configuration, maxSize: pool.maxSize))
    }
}

/// A pooled session opened on a link that has since been replaced.
struct StaleSessionError: Error {}

/// The current ``TokenLink``, replaced by a reconnection.
final class LinkHolder: Sendable {
    private let link: Mutex<TokenLink>

    init(_ link: TokenLink) {
        self.link = Mutex(link)
    }

    var current: TokenLink { link.withLock { $0 } }

    func replace(with new: TokenLink) {
        link.withLock { $0 = new }
    }
}
