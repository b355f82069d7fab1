import PKCS11

/// Key handles by label (``HandleCache``): entries are dropped when this process creates,
/// replaces or destroys a key of the label, when the HSM reports a handle invalid, and after
/// the TTL (keys created by another process show up then). Labels are compared as the HSM
/// compares them, byte for byte.
typealias KeyCache = HandleCache<LabelBytes, [KeyInfo]>

/// A label as the HSM compares it: its UTF-8 bytes. (Swift's `String` equality treats
/// canonically equivalent labels, such as "é" precomposed and decomposed, as one; the HSM
/// does not, and neither may a cache in front of it.)
struct LabelBytes: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ label: String) {
        bytes = Array(label.utf8)
    }
}

extension Array where Element == KeyInfo {
    /// Sorted by id, ascending; keys without an id first.
    func sortedByID() -> [KeyInfo] {
        sorted { ($0.id?.rawValue ?? .min) < ($1.id?.rawValue ?? .min) }
    }
}
