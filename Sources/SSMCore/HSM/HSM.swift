import Logging
import PKCS11
import SessionPool
import Synchronization

/// The application's connection to one token of one PKCS#11 module.
///
/// `HSM` loads the module (`C_Initialize` once), selects the token, opens an *anchor*
/// session and logs the user in on it. The anchor is never lent out and stays open
/// for the life of the `HSM`, so the login (which PKCS#11 keeps per application and
/// token, not per session) is never lost when the pool closes idle sessions.
/// Work borrows a session from the pool through ``withSession(_:)``; the session
/// cannot escape the closure and is given back on every path.
public final class HSM: Sendable {
    /// The loaded module.
    public let module: PKCS11Module
    /// The selected token.
    public let token: TokenInfo
    /// The pool of sessions lent to ``withSession(_:)``.
    let pool: ResourcePool<TokenSessionFactory>
    /// Bounds the sessions of ``withEphemeralSession(_:)``: as many as the pool's, waited for
    /// at most `acquireTimeout`.
    private let ephemeralPermits: ResourcePool<PermitFactory>
    let executor: BlockingExecutor
    private let anchor: SessionHandle
    /// A session is never used by two threads at once: readiness probes take turns on the anchor.
    private let anchorLock = Mutex(())
    /// The PIN, kept to log in again when the token forgets the login (`CKR_USER_NOT_LOGGED_IN`).
    private let pin: Secret
    private let logger: Logger

    private init(
        module: PKCS11Module, token: TokenInfo, anchor: SessionHandle,
        pool: ResourcePool<TokenSessionFactory>, acquireTimeout: Duration, pin: Secret, executor: BlockingExecutor,
        logger: Logger
    ) {
        self.module = module
        self.pin = pin
        self.token = token
        self.anchor = anchor
        self.pool = pool
        let permits = PoolConfiguration(maxSize: pool.maxSize, minSize: 0, acquireTimeout: acquireTimeout)
        self.ephemeralPermits = ResourcePool(factory: PermitFactory(), configuration: permits, logger: logger)
        self.executor = executor
        self.logger = logger
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
        let opened: (PKCS11Module, TokenInfo, SessionHandle)
        do {
            opened = try await executor.run { () throws -> (PKCS11Module, TokenInfo, SessionHandle) in
                let module = try PKCS11Module.load(path: configuration.modulePath)
                do {
                    let token = try module.selectToken(configuration.token)
                    let anchor = try module.openSession(slot: token.slot, readWrite: true)
                    do {
                        try Session(anchor).login(pin: credentials)
                    } catch {
                        try? anchor.close()
                        throw error
                    }
                    return (module, token, anchor)
                } catch {
                    module.finalize()
                    throw error
                }
            }
        } catch {
            await executor.shutdown()
            throw error
        }
        let (module, token, anchor) = opened
        // The anchor session takes one of the token's sessions.
        let limit = token.maxRWSessionCount.map { max(1, $0 - 1) }
        let factory = TokenSessionFactory(module: module, slot: token.slot, executor: executor, resourceLimit: limit)
        let pool = ResourcePool(factory: factory, configuration: configuration.pool, logger: logger)
        logger.info(
            "connected to token",
            metadata: [
                "module": "\(configuration.modulePath)", "token": "\(token.label)", "slot": "\(token.slot)",
                "serial": "\(token.serialNumber)", "pool.maxSize": "\(pool.maxSize)", "calls": "\(configuration.placement)",
            ])
        return HSM(
            module: module, token: token, anchor: anchor, pool: pool, acquireTimeout: configuration.pool.acquireTimeout,
            pin: credentials, executor: executor, logger: logger)
    }

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
    /// - Throws: ``PoolError/acquireTimeout(_:)`` when no session frees up within
    ///   `acquireTimeout`, ``PoolError/shutdown`` after shutdown, or what `body` throws.
    public func withSession<R: Sendable>(
        idempotent: Bool = true, _ body: @escaping @Sendable (borrowing Session) throws -> R
    ) async throws -> R {
        let executor = self.executor
        let attempt = {
            try await self.pool.withResource { handle in
                try await executor.run { () throws -> R in
                    let session = Session(handle)
                    return try body(session)
                }
            }
        }
        do {
            return try await attempt()
        } catch let error as PKCS11Error where idempotent && error.errorClass == .sessionLost {
            // The pool has closed the lost session; another one is likely fine.
            logger.warning("session lost; retrying once on another session", metadata: ["error": "\(error)"])
            return try await attempt()
        } catch let error as PKCS11Error where idempotent && error.errorClass == .loginLost {
            logger.warning("login lost; logging in again and retrying once", metadata: ["error": "\(error)"])
            try await logIn()
            return try await attempt()
        }
    }

    /// Logs the application in again, on the anchor session.
    private func logIn() async throws {
        _ = try await executor.run { () throws -> Bool in
            try self.anchorLock.withLock { _ in try Self.logIn(self.anchor, pin: self.pin) }
            return true
        }
    }

    /// `C_Login` on `anchor`. This and ``state(of:)`` are functions of their own because Swift
    /// 6.3.1's optimizer crashes ("Cannot initialize a nonCopyable type with a guaranteed value")
    /// when it inlines a `Session` made inside a `Mutex.withLock` closure (release builds only).
    @inline(never)
    private static func logIn(_ anchor: SessionHandle, pin: Secret) throws {
        try Session(anchor).login(pin: pin)
    }

    /// `C_GetSessionInfo`'s state of `anchor` (see ``logIn(_:pin:)``).
    @inline(never)
    private static func state(of anchor: SessionHandle) throws -> SessionState {
        try Session(anchor).info().state
    }

    /// Opens a session for `body` alone and closes it afterwards, bypassing the session pool
    /// (SSM's per-request behaviour, kept for `/encrypt`). At most `maxSize` such sessions
    /// exist at once; a request waits at most `acquireTimeout` for its turn
    /// (``PoolError/acquireTimeout(_:)`` after that).
    public func withEphemeralSession<R: Sendable>(_ body: @escaping @Sendable (borrowing Session) throws -> R) async throws -> R {
        let module = self.module
        let slot = token.slot
        let executor = self.executor
        return try await ephemeralPermits.withResource { _ in
            try await executor.run { () throws -> R in
                let handle = try module.openSession(slot: slot, readWrite: true)
                defer { try? handle.close() }
                let session = Session(handle)
                return try body(session)
            }
        }
    }

    /// Opens the pool's `minSize` sessions now (``HSMService`` also does it when it starts).
    public func prewarm() async throws {
        try await pool.prewarm()
    }

    /// Whether the anchor session is open and logged in (the readiness condition).
    public func isReady() async -> Bool {
        let state = try? await executor.run { () throws -> SessionState in
            try self.anchorLock.withLock { _ in try Self.state(of: self.anchor) }
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

    /// Closes every session (the pool's, then the anchor), calls `C_Finalize` and stops the
    /// HSM threads. Call once, after the last request.
    public func shutdown() async {
        await ephemeralPermits.shutdown()
        await pool.shutdown()
        _ = try? await executor.run { () throws -> Bool in
            self.anchorLock.withLock { _ in try? self.anchor.close() }
            self.module.finalize()
            return true
        }
        await executor.shutdown()
        logger.info("closed all sessions and finalized the PKCS#11 module")
    }
}
