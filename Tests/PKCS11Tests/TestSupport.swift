import Foundation
import PKCS11
import SoftHSMTestSupport

/// A label no other test (running in parallel on the same token) uses.
func uniqueLabel(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(13))"
}

/// A random key ID, so parallel tests never look for the same one.
func uniqueKeyID() -> KeyID {
    KeyID(Int32.random(in: 1...Int32.max))
}

/// Random bytes from the system generator (test data, IVs).
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
}

/// Hex without separators.
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

extension SoftHSMToken {
    /// Runs `body` with a freshly generated key on the logged-in test token; destroys it after.
    func withTemporaryKey<R>(
        _ type: SecretKeyType,
        usage: KeyUsage = .symmetricDefault,
        _ body: (borrowing Session, ObjectHandle) throws -> R
    ) throws -> R {
        try withLoggedInSession { session in
            let key = try session.generateKey(type, label: uniqueLabel("tmp"), id: uniqueKeyID(), usage: usage)
            defer { try? session.destroyObject(key) }
            return try body(session, key)
        }
    }
}
