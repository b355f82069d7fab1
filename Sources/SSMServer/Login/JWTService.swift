import Crypto
import Foundation
import Logging
import SSMCore

/// Issues and checks the JWTs of `POST /login` (RFC 7519, JWS `ES256`): signed inside the
/// HSM with a P-256 key that never leaves the token (created at startup when missing),
/// checked with its public key read from the token (signature, `exp`, `nbf`, `iss`, `aud`).
public final class JWTService: BearerTokenVerifier {
    let keys: InternalKeys
    let settings: LoginSettings
    /// The public half (X9.62 uncompressed point), read once from the token.
    let publicPoint: [UInt8]
    /// Clock skew allowed on `exp` and `nbf`.
    static let leeway: TimeInterval = 5

    /// Finds the signing key pair `settings.keyLabel` among ssm's internal keys (token label
    /// `ssm-internal/<keyLabel>`), generating it (non-extractable, sign-only) when missing. A
    /// pair an earlier ssm kept under the bare label `keyLabel` is adopted, so JWTs it issued
    /// stay valid.
    public init(keys: InternalKeys, settings: LoginSettings, logger: Logger) async throws {
        self.keys = keys
        self.settings = settings
        let found = try await keys.ensureSigningKey(name: settings.keyLabel, adopting: settings.keyLabel)
        _ = try P256.Signing.PublicKey(x963Representation: found.publicPoint)  // a point on the curve
        publicPoint = found.publicPoint
        let label = InternalKeys.label(settings.keyLabel)
        if found.created { logger.notice("login signing key created in the token", metadata: ["label": "\(label)"]) }
        if found.adopted {
            logger.notice(
                "login signing key moved into the internal namespace",
                metadata: ["from": "\(settings.keyLabel)", "label": "\(label)"])
        }
    }

    /// A signed JWT for `clientID`, valid from `now` for the configured lifetime.
    public func issue(clientID: String, now: Date = Date()) async throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        let ttl = Int(settings.tokenTTL.components.seconds)
        let header = #"{"alg":"ES256","kid":"\#(settings.keyLabel)","typ":"JWT"}"#
        let claims = JWTClaims(
            iss: settings.issuer, sub: clientID, aud: settings.audience, iat: issuedAt, nbf: issuedAt, exp: issuedAt + ttl,
            jti: UUID().uuidString.lowercased())
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(try encoder.encode(claims))
        let digest = Array(SHA256.hash(data: Array(input.utf8)))
        let signature = try await keys.sign(name: settings.keyLabel, digest: digest)
        return input + "." + Base64URL.encode(signature)
    }

    public func clientID(forToken token: String) async -> String? {
        try? verify(token).sub
    }

    /// The claims of `token` when its signature, `exp`, `nbf`, `iss` and `aud` are right at `now`.
    func verify(_ token: String, now: Date = Date()) throws -> JWTClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let claimBytes = Base64URL.decode(parts[1]),
            let signatureBytes = Base64URL.decode(parts[2])
        else { throw LoginError.invalid("malformed") }
        guard let header = try? JSONDecoder().decode(JWTHeader.self, from: Data(headerBytes)), header.alg == "ES256" else {
            throw LoginError.invalid("algorithm")
        }
        guard let publicKey = try? P256.Signing.PublicKey(x963Representation: publicPoint),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            publicKey.isValidSignature(signature, for: SHA256.hash(data: Array("\(parts[0]).\(parts[1])".utf8)))
        else { throw LoginError.invalid("signature") }
        guard let claims = try? JSONDecoder().decode(JWTClaims.self, from: Data(claimBytes)) else {
            throw LoginError.invalid("claims")
        }
        let time = now.timeIntervalSince1970
        guard TimeInterval(claims.exp) + Self.leeway > time else { throw LoginError.invalid("expired") }
        guard TimeInterval(claims.nbf ?? claims.iat ?? 0) - Self.leeway <= time else { throw LoginError.invalid("not yet valid") }
        guard claims.iss == settings.issuer else { throw LoginError.invalid("issuer") }
        guard claims.aud == settings.audience else { throw LoginError.invalid("audience") }
        return claims
    }
}

struct JWTHeader: Codable {
    var alg: String
    var typ: String?
    var kid: String?
}

/// The registered claims ssm issues and checks.
struct JWTClaims: Codable, Equatable {
    var iss: String
    var sub: String
    var aud: String
    var iat: Int?
    var nbf: Int?
    var exp: Int
    var jti: String?
}

/// Why a token is not valid (never shown to clients beyond "not valid").
enum LoginError: Error, CustomStringConvertible {
    case invalid(String)

    var description: String {
        switch self {
        case .invalid(let reason): "invalid token: \(reason)"
        }
    }
}
