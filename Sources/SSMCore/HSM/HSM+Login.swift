import Logging
import PKCS11
import Synchronization

/// Whether the HSM's login holds, and what the token refused: for `/ready`, `/pool/stats` and
/// metrics. Never contains a PIN.
public struct LoginStatus: Sendable, Hashable {
    /// True when ssm stopped logging in because the token refused every PIN it holds (the
    /// PIN in use and any new one): it waits for a new PIN (SIGHUP) and does not try a refused
    /// one again, so that it cannot lock the token's PIN by retrying.
    public var waitingForPIN: Bool
    /// Logins the token refused (`CKR_PIN_INCORRECT`, `CKR_PIN_LOCKED`, ...) since the start.
    public var refusals: UInt64
    /// The code of the last refusal (`CKR_PIN_INCORRECT`), if any.
    public var lastRefusal: String?

    /// A status (tests and metrics without an HSM use the default: logged in, nothing refused).
    public init(waitingForPIN: Bool = false, refusals: UInt64 = 0, lastRefusal: String? = nil) {
        self.waitingForPIN = waitingForPIN
        self.refusals = refusals
        self.lastRefusal = lastRefusal
    }
}

/// The token refused every PIN ssm holds; ssm does not try them again (a real HSM locks the
/// user PIN after a few failures) until it is given a new PIN.
struct PINRefusedError: Error, CustomStringConvertible {
    /// The code of the refusal (`CKR_PIN_INCORRECT`).
    var code: String

    var description: String {
        "the token refused the PIN (\(code)); not tried again until the PIN changes (SIGHUP with a new PIN)"
    }
}

/// A PIN the token refused, never offered to that token again.
struct RefusedLogin: Sendable {
    var pin: Secret
    /// ``HSM/tokenIdentity(_:)`` of the token that refused it.
    var token: String
}

extension PKCS11Error {
    /// Whether `C_Login` was refused because of the PIN itself: trying the same PIN again
    /// cannot succeed, and on a real HSM each try counts towards locking the PIN.
    var isPINRefusal: Bool {
        guard let code = returnValue else { return false }
        return [ReturnValue.pinIncorrect, .pinLocked, .pinExpired, .pinInvalid, .pinLenRange].contains(code)
    }
}

extension HSM.State {
    /// Refusals remembered (each PIN given by the operator adds at most one per token).
    static let maximumRefusals = 16

    /// The PINs to try on `token`, in order: a new PIN not tried yet, then the last one that
    /// worked; those this token refused are left out.
    func loginCandidates(for token: String) -> [Secret] {
        [pendingPIN, pin].compactMap { $0 }.filter { !isRefused($0, by: token) }
    }

    func isRefused(_ pin: Secret, by token: String) -> Bool {
        refused.contains { $0.token == token && $0.pin.matches(pin) }
    }

    /// `pin` logged in: it becomes the PIN in use.
    mutating func loggedIn(with pin: Secret) {
        if let pendingPIN, pendingPIN.matches(pin) { self.pendingPIN = nil }
        self.pin = pin
        waitingForPIN = false
    }

    /// `token` refused `pin` with `error`.
    mutating func refuse(_ pin: Secret, by token: String, error: PKCS11Error) {
        if refused.count >= Self.maximumRefusals { refused.removeFirst() }
        refused.append(RefusedLogin(pin: pin, token: token))
        refusals += 1
        lastRefusal = error.returnValue?.name ?? "\(error)"
        if let pendingPIN, pendingPIN.matches(pin) { self.pendingPIN = nil }
    }
}

extension HSM {
    /// How the token is recognised for refusals: a PIN refused by one token may be right for
    /// another (a replaced device).
    static func tokenIdentity(_ token: TokenInfo) -> String {
        "\(token.manufacturer)/\(token.model)/\(token.serialNumber)/\(token.label)"
    }

    /// The login's state (see ``LoginStatus``).
    public func loginStatus() -> LoginStatus {
        state.withLock {
            LoginStatus(waitingForPIN: $0.waitingForPIN, refusals: $0.refusals, lastRefusal: $0.lastRefusal)
        }
    }

    /// Logs in on `session` of `token` with the PINs ssm holds that this token has not
    /// refused (``State/loginCandidates(for:)``), each at most once. A refused PIN is recorded
    /// and never offered to this token again; when none is left, throws ``PINRefusedError``
    /// without calling `C_Login`. Other errors (a lost device) are thrown as they are. Blocking.
    func logInWithUsablePIN(on session: borrowing Session, token: TokenInfo) throws {
        let identity = Self.tokenIdentity(token)
        for candidate in state.withLock({ $0.loginCandidates(for: identity) }) {
            do throws(PKCS11Error) {
                try session.login(pin: candidate)
            } catch {
                guard error.isPINRefusal else { throw error }
                logger.error(
                    "the token refused the PIN; it will not be tried again on this token",
                    metadata: ["error": "\(error)", "token": "\(token.label)"])
                state.withLock { $0.refuse(candidate, by: identity, error: error) }
                continue
            }
            state.withLock { $0.loggedIn(with: candidate) }
            return
        }
        throw state.withLock { state in
            state.waitingForPIN = true
            return PINRefusedError(code: state.lastRefusal ?? "CKR_PIN_INCORRECT")
        }
    }
}
