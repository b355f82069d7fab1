/// A secret (a PIN) kept in memory for as long as it is needed — to log in again after the
/// token forgot the login — in a buffer of its own that is zeroed when the secret is released.
/// Its description is redacted, so it cannot reach a log by accident.
public final class Secret: @unchecked Sendable, CustomStringConvertible {
    // @unchecked: written once in `init`, only read afterwards, and zeroed in `deinit` when
    // nothing else can reach it.
    private var bytes: [UInt8]

    /// Copies `source` into a buffer of its own (clearing `source` is the caller's business).
    public init(copying source: [UInt8]) {
        bytes = source.withUnsafeBufferPointer { Array($0) }
    }

    deinit {
        bytes.zeroize()
    }

    /// `<redacted>`.
    public var description: String { "<redacted>" }

    /// Whether `other` holds the same bytes, compared in constant time for a given length.
    public func matches(_ other: [UInt8]) -> Bool {
        guard other.count == bytes.count else { return false }
        var difference: UInt8 = 0
        for index in bytes.indices {
            difference |= bytes[index] ^ other[index]
        }
        return difference == 0
    }

    /// Whether `other` holds the same bytes, compared in constant time for a given length.
    public func matches(_ other: Secret) -> Bool {
        other === self || matches(other.bytes)
    }

    /// Lends the bytes to `body` without copying them.
    func withBytes<R>(_ body: ([UInt8]) throws(PKCS11Error) -> R) throws(PKCS11Error) -> R {
        try body(bytes)
    }
}

extension Session {
    /// `C_Login(CKU_USER)` with a kept ``Secret``; `CKR_USER_ALREADY_LOGGED_IN` counts as success.
    public func login(pin: Secret) throws(PKCS11Error) {
        try pin.withBytes { (bytes) throws(PKCS11Error) in try login(pin: bytes) }
    }
}
