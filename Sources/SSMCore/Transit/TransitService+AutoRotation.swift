import Foundation
import Logging
import PKCS11
import Synchronization

extension TransitService {
    /// What one pass of automatic rotation did.
    public struct AutoRotationPass: Sendable, Hashable {
        /// The keys that got a new version.
        public var rotated: [String]
        /// When the next key is due (nil: no key rotates automatically).
        public var nextDue: Date?
    }

    /// Rotates every key whose automatic rotation period has passed since its newest version
    /// was created (at `now`), each under its name's claim, so that several processes on one
    /// token rotate a key once: the metadata is read again under the claim and a key that is
    /// no longer due is left alone.
    public func rotateDueKeys(now: Date = Date()) async throws -> AutoRotationPass {
        let schedule = try await store.run(.list) { session in try Self.rotationSchedule(session) }
        var rotated: [String] = []
        var nextDue: Date?
        for (name, due) in schedule.sorted(by: { $0.key < $1.key }) {
            var next = due
            if due <= now {
                let result = try await mutate(name) { session -> (Bool, Date?) in
                    guard let (metadata, handles) = try Self.loadMetadata(session, name: name),
                        let due = metadata.nextRotation
                    else { return (false, nil) }
                    guard due <= now else { return (false, due) }
                    return (true, try Self.addVersion(session, metadata, replacing: handles, now: now).nextRotation)
                }
                if result.0 {
                    rotated.append(name)
                    logger.notice("Transit key rotated automatically", metadata: ["name": "\(name)"])
                }
                guard let due = result.1 else { continue }
                next = due
            }
            nextDue = min(nextDue ?? next, next)
        }
        return AutoRotationPass(rotated: rotated, nextDue: nextDue)
    }

    /// When each key with an automatic rotation period is next due.
    static func rotationSchedule(_ session: borrowing Session) throws -> [String: Date] {
        var best: [String: TransitKeyMetadata] = [:]
        for handle in try session.findDataObjects(application: metadataApplication) {
            guard let object = try? session.dataObject(handle), object.label.hasPrefix(labelPrefix),
                let metadata = TransitKeyMetadata.decode(object.value)
            else { continue }
            if best[metadata.name].map({ metadata.revision > $0.revision }) ?? true { best[metadata.name] = metadata }
        }
        return best.compactMapValues(\.nextRotation)
    }

    /// Tells ``TransitAutoRotation`` to look at the keys again (a period was set here).
    func noteAutoRotation() {
        autoRotationChanged.withLock { $0 = true }
    }

    /// Whether a period was set since the last call (and clears the note).
    func takeAutoRotationNote() -> Bool {
        autoRotationChanged.withLock { changed in
            defer { changed = false }
            return changed
        }
    }
}
