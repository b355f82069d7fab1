import Crypto
import Foundation
import Logging
import PKCS11
import SSMCore

/// Issues and checks the JWTs of `POST /login` (RFC 7519, JWS `ES256`): signed inside the
/// HSM with a P-256 key that never leaves the token (created at startup when missing),
/// checked with its public key read from the token (signature, `exp`, `nbf`, `iss`, `aud`).
public final class JWTService: BearerTokenVerifier {
    let hsm: HSM
    let settings: LoginSettings
    /// The public half (X9.62 uncompressed point), read once from the token.
    let publicPoint: [UInt8]
    /// Clock skew allowed on `exp` and `nbf`.
    static let leeway: TimeInterval = 5

    /// Finds the signing key pair labelled `settings.keyLabel` in the token, generating it
    /// (non-extractable, sign-only) when missing.
    public init(hsm: HSM, settings: LoginSettings, logger: Logger) async throws {
        self.hsm = hsm
        self.settings = settings
        let label = settings.keyLabel
        let (point, created) = try await hsm.withSession(idempotent: false) { session -> ([UInt8], Bool) in
            var created = false
            var publicKeys = try session.findObjects(.publicKey, label: label)
            let privateKeys = try session.findObjects(.privateKey, label: label)
            if publicKeys.isEmpty || privateKeys.isEmpty {
                let pair = try session.generateKeyPair(.ecP256, label: label, id: KeyID(rawValue: 1))
                publicKeys = [pair.publicKey]
                created = true
            }
            guard case .ec(let point, let parameters) = try session.publicKeyValue(publicKeys[0]),
                parameters == KeyPairType.prime256v1OID
            else { throw LoginError.notP256(label) }
            return (point, created)
        }
        _ = try P256.Signing.PublicKey(x963Representation: point)  // a point on the curve
        publicPoint = point
        if created { logger.notice("login signing key created in the token", metadata: ["label": "\(label)"]) }
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
        let label = settings.keyLabel
        let signature = try await hsm.withSession { session -> [UInt8] in
            guard let key = try session.findObjects(.privateKey, label: label).first else { throw LoginError.noKey(label) }
            return try session.sign(.ecdsa, key: key, data: digest)
        }
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

/// Why a login key or token is unusable (never shown to clients beyond "not valid").
enum LoginError: Error, CustomStringConvertible {
    case notP256(String)
    case noKey(String)
    case invalid(String)

    var description: String {
        switch self {
        case .notP256(let label): "the login key '\(label)' is not a P-256 key"
        case .noKey(let label): "the login signing key '\(label)' is missing from the token"
        case .invalid(let reason): "invalid token: \(reason)"
        }
    }
}
