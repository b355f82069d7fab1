import CPKCS11

/// What `C_GetInfo` says about a module.
public struct ModuleInfo: Sendable, Hashable {
    /// A `major.minor` version.
    public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The major version.
        public var major: UInt8
        /// The minor version.
        public var minor: UInt8

        /// Creates a version.
        public init(major: UInt8, minor: UInt8) {
            self.major = major
            self.minor = minor
        }

        init(_ version: CK_VERSION) {
            self.init(major: version.major, minor: version.minor)
        }

        /// Orders by major, then minor.
        public static func < (lhs: Version, rhs: Version) -> Bool {
            (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
        }

        /// `major.minor`, e.g. `2.40`.
        public var description: String {
            "\(major).\(minor)"
        }
    }

    /// The PKCS#11 version the module implements.
    public var cryptokiVersion: Version
    /// The module's manufacturer (trimmed).
    public var manufacturer: String
    /// The library description (trimmed).
    public var libraryDescription: String
    /// The library's own version.
    public var libraryVersion: Version

    init(_ info: CK_INFO) {
        cryptokiVersion = Version(info.cryptokiVersion)
        manufacturer = paddedString(info.manufacturerID)
        libraryDescription = paddedString(info.libraryDescription)
        libraryVersion = Version(info.libraryVersion)
    }
}
