import Crypto
import Foundation
import HummingbirdBcrypt

/// Making the credentials that go into `clients:` (`ssm clients token`, `ssm clients hash-password`).
public enum Credentials {
    /// A new random bearer token (32 bytes, base64url) and the SHA-256 (hex) to configure as
    /// `tokenSha256`. Only the hash is stored by ssm.
    public static func newToken() -> (token: String, sha256: String) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = Base64URL.encode(bytes)
        return (token, Client.tokenHash(token).map { String(format: "%02x", $0) }.joined())
    }

    /// The bcrypt cost `ssm clients hash-password` uses unless told otherwise.
    public static let defaultPasswordCost = 12

    /// The bcrypt hash (salted, cost `cost`) of `password`, for `passwordHash`.
    public static func hashPassword(_ password: String, cost: UInt8 = UInt8(defaultPasswordCost)) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// The bcrypt costs ssm accepts in `passwordHash`: below, a stolen hash is cheap to crack;
    /// above, each `POST /login` costs seconds of CPU (an attacker's lever).
    public static let passwordCosts: ClosedRange<Int> = 10...14

    /// The cost of a bcrypt `hash` (`$2b$12$...` → 12), nil when it is not one.
    static func cost(ofPasswordHash hash: String) -> Int? {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, ["2a", "2b", "2y"].contains(parts[1]), parts[2].count == 2 else { return nil }
        return Int(parts[2])
    }

    /// Whether `password` matches the bcrypt `hash` (bcrypt's own comparison).
    static func verifyPassword(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }
}

/// base64url without padding (RFC 4648 §5), as JWTs use it.
enum Base64URL {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "=") })
        else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
