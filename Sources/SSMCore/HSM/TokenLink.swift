import PKCS11
import Synchronization

/// One connection to the token: a module instance, the token found on it, and the *anchor*
/// session on which the user is logged in.
///
/// The anchor is never lent out and stays open for the life of the link, so the login (which
/// PKCS#11 keeps per application and token, not per session) is not lost when the pool closes
/// idle sessions. A link is replaced as a whole when the device is lost (see ``HSM``).
final class TokenLink: Sendable {
    let module: PKCS11Module
    let token: TokenInfo
    let anchor: SessionHandle
    /// A session is never used by two threads at once: health checks, logins and readiness
    /// probes take turns on the anchor.
    private let anchorLock = Mutex(())

    private init(module: PKCS11Module, token: TokenInfo, anchor: SessionHandle) {
        self.module = module
        self.token = token
        self.anchor = anchor
    }

    /// Loads the module (`C_Initialize` unless already done), selects the token, opens the
    /// anchor and logs in. Blocking: run it on the HSM's executor.
    ///
    /// - Throws: ``PKCS11Error`` naming the module path, the missing token (with the tokens
    ///   present) or the failed call (`C_Login` with `CKR_PIN_INCORRECT`, ...).
    static func open(modulePath: String, token selector: TokenSelector, pin: Secret) throws -> TokenLink {
        try open(modulePath: modulePath, token: selector) { session, _ in try session.login(pin: pin) }
    }

    /// As ``open(modulePath:token:pin:)``, logging in with `logIn` (given the anchor and the
    /// token found), which may choose the PIN or refuse to try one.
    static func open(
        modulePath: String, token selector: TokenSelector, logIn: (borrowing Session, TokenInfo) throws -> Void
    ) throws -> TokenLink {
        let module = try PKCS11Module.load(path: modulePath)
        do {
            let token = try module.selectToken(selector)
            let anchor = try module.openSession(slot: token.slot, readWrite: true)
            do {
                try logIn(Session(anchor), token)
            } catch {
                try? anchor.close()
                throw error
            }
            return TokenLink(module: module, token: token, anchor: anchor)
        } catch {
            module.finalize()
            throw error
        }
    }

    /// Runs `body` on the anchor session, alone. Blocking.
    // Not inlined: Swift 6.3.1's optimiser crashes (forwardToInit) inlining this into its
    // callers in release builds; the anchor is never on a hot path.
    @inline(never)
    func withAnchor<R>(_ body: (borrowing Session) throws -> R) rethrows -> R {
        try anchorLock.withLock { _ in
            let session = Session(anchor)
            return try body(session)
        }
    }

    /// Opens a read-write session on the token. Blocking.
    func openSession() throws -> SessionHandle {
        try module.openSession(slot: token.slot, readWrite: true)
    }

    /// Closes the anchor and releases this link's reference to the module (`C_Finalize` when
    /// it is the last). Blocking.
    func close() {
        withAnchor { session in try? session.handle.close() }
        module.finalize()
    }
}
