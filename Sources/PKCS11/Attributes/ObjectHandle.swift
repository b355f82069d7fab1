/// A PKCS#11 object handle (`CK_OBJECT_HANDLE`). Valid for the token's objects across the
/// sessions of this process, until the object is destroyed or the module re-initialised.
public struct ObjectHandle: Sendable, Hashable, CustomStringConvertible {
    /// The raw handle.
    public let rawValue: UInt

    /// Wraps a raw handle.
    public init(rawValue: UInt) {
        self.rawValue = rawValue
    }

    /// `object <handle>`.
    public var description: String {
        "object \(rawValue)"
    }
}
