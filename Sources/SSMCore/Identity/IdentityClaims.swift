import Foundation
import PKCS11

/// An identity that at most one ssm process may be creating or changing at a time: an SSM
/// key label, a Transit key's name, an internal key's name.
public struct ClaimIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The claim objects' `CKA_LABEL`: the namespace, then the identity within it.
    let label: String

    /// Every key of one SSM label (its ids are chosen and changed under this claim).
    public static func ssmKey(label: String) -> ClaimIdentity { ClaimIdentity(label: "ssm/" + label) }
    /// A Transit key: its metadata and every version.
    public static func transitKey(name: String) -> ClaimIdentity { ClaimIdentity(label: "transit/" + name) }
    /// An internal key.
    public static func internalKey(name: String) -> ClaimIdentity { ClaimIdentity(label: "internal/" + name) }

    public var description: String { label }
}

/// Claims in the token itself, so that any number of ssm processes sharing a token never
/// create two objects with one identity nor change one at the same time. PKCS#11 has no
/// atomic create-if-absent; this is the protocol instead (docs/design.md, "Key identity"):
///
/// 1. search the identity's claims; a claim older than ``lifetime`` was left by a process
///    that died holding it and is removed; another live claim means contention;
/// 2. create a claim: a private token data object (application ``application``, label the
///    identity) whose value is a fresh random nonce and the wall-clock time;
/// 3. wait ``settle``, then search again: if any other live claim exists, remove ours and
///    report contention (the caller backs off for a random time and starts again); otherwise
///    the identity is ours until we remove the claim;
/// 4. replace our claim by a fresh one (create, then remove the first), so that the token
///    changes at once after a claim is won.
///
/// Two claimers A and B each create before they search again, so whichever searches second
/// sees the other's claim: at most one of them finds none, and only that one proceeds. Both
/// may see each other and both back off; random back-off makes that end.
///
/// Steps 1, 3 and 4 are for SoftHSM's file store, whose view of the token in one process
/// misses objects another process created just before this process's own change (its
/// object index is re-read only when the token changed since this process last changed
/// it). The search before creating makes that window as short as one `C_CreateObject`;
/// whatever another claimer creates in it, it sees our claim in its own second search
/// (`settle` later) and backs off, and a winner's step 4 changes the token again, so that
/// every other process's next search re-reads the index.
enum IdentityClaims {
    /// `CKA_APPLICATION` of claim objects.
    static let application = "ssm-claim"
    /// How old a claim must be to be taken for the leftover of a dead process. A holder
    /// keeps its claim for one HSM operation (milliseconds; an RSA-4096 key generation,
    /// seconds); clocks of processes sharing a token must agree far better than this.
    static let lifetime: Duration = .seconds(30)
    /// How long a new claim stands before the search that decides it.
    static let settle: Duration = .milliseconds(20)

    /// Takes the claim on `identity`, or returns nil when another process holds it.
    static func acquire(_ session: borrowing Session, _ identity: ClaimIdentity, now: Date = Date()) throws -> ObjectHandle? {
        let stamp = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var value = RandomBytes.next(16)
        for shift in stride(from: 56, through: 0, by: -8) {
            value.append(UInt8(truncatingIfNeeded: stamp >> UInt64(shift)))
        }
        if try othersHold(session, identity, mine: value, now: stamp) { return nil }
        let first = try session.createDataObject(application: application, label: identity.label, value: value)
        let contended: Bool
        do {
            Thread.sleep(forTimeInterval: Double(settle.components.seconds) + Double(settle.components.attoseconds) / 1e18)
            contended = try othersHold(session, identity, mine: value, now: stamp)
        } catch {
            try? session.destroyObject(first)
            throw error
        }
        if contended {
            try session.destroyObject(first)
            return nil
        }
        let claim: ObjectHandle
        do {
            claim = try session.createDataObject(application: application, label: identity.label, value: value)
        } catch {
            release(session, first)
            throw error
        }
        release(session, first)
        return claim
    }

    /// Whether another process holds a live claim on `identity`; removes stale claims.
    private static func othersHold(_ session: borrowing Session, _ identity: ClaimIdentity, mine: [UInt8], now: UInt64) throws -> Bool {
        var held = false
        for handle in try session.findDataObjects(application: application, label: identity.label) {
            // nil: released meanwhile.
            guard let value = try claimValue(session, handle), value != mine else { continue }
            if isStale(value, now: now) {
                try? session.destroyObject(handle)
            } else {
                held = true
            }
        }
        return held
    }

    /// A claim's value, or nil when the claim is gone.
    private static func claimValue(_ session: borrowing Session, _ handle: ObjectHandle) throws -> [UInt8]? {
        do {
            return try session.dataObject(handle).value
        } catch {
            if error.errorClass == .objectProblem { return nil }
            throw error
        }
    }

    /// Removes a claim taken by ``acquire(_:_:now:)``. A claim that cannot be removed (the
    /// session was lost) blocks its identity until it is ``lifetime`` old.
    static func release(_ session: borrowing Session, _ claim: ObjectHandle) {
        try? session.destroyObject(claim)
    }

    /// Whether a claim's value says it is older than ``lifetime`` (or is not a claim's value).
    static func isStale(_ value: [UInt8], now: UInt64) -> Bool {
        guard value.count == 24 else { return true }
        var stamp: UInt64 = 0
        for byte in value[16...] { stamp = stamp << 8 | UInt64(byte) }
        let lifetime = UInt64(lifetime.components.seconds) * 1000
        return stamp < now && now - stamp > lifetime
    }
}
