import Foundation
import HTTPTypes
import Logging
import Hummingbird
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// Checks a verified bearer token that is not a static one (the JWTs of `POST /login`).
public protocol BearerTokenVerifier: Sendable {
    /// The client id the token was issued to, or nil when it is not valid (signature,
    /// `exp`, `nbf`, `iss`, `aud`).
    func clientID(forToken token: String) async -> String?
}

extension HTTPField.Name {
    /// `X-Vault-Token`, the header Vault's clients send their token in.
    static let vaultToken: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Vault-Token") else { preconditionFailure("X-Vault-Token is a valid field name") }
        return name
    }()
}

/// What stands in front of every route's handler (``RouteRegistrar/register(on:gate:)``):
/// who is calling (bearer token — in `Authorization` or Vault's `X-Vault-Token` — login JWT
/// or TLS client certificate), whether the route's
/// ``RouteAccess`` allows it, and the per-client rate limit.
struct SecurityGate: Sendable {
    let clients: ClientRegistry
    let rateLimiter: RateLimiter?
    let jwt: (any BearerTokenVerifier)?

    init(clients: ClientRegistry = ClientRegistry(), rateLimiter: RateLimiter? = nil, jwt: (any BearerTokenVerifier)? = nil) {
        self.clients = clients
        self.rateLimiter = rateLimiter
        self.jwt = jwt
    }

    func handle(
        _ request: Request, context: SSMRequestContext, access: RouteAccess,
        _ handler: RouteRegistrar.Handler
    ) async throws -> Response {
        var context = context
        context.access = access
        context.enforcing = clients.isEnforcing
        context.note.setOperation(access.operation)
        var failure: String?
        if clients.isEnforcing {
            (context.client, failure) = await authenticate(request, context: context)
            if let client = context.client { context.note.setClient(client.id) }
        }
        if let rateLimiter {
            let key = context.client.map { "client:\($0.id)" } ?? "peer:\(context.remoteAddress?.ipAddress ?? "local")"
            if let wait = rateLimiter.take(key) {
                throw Problem(
                    .tooManyRequests, "RATE_LIMITED", "too many requests: retry after \(wait) s",
                    headers: [.retryAfter: "\(wait)"])
            }
        }
        guard clients.isEnforcing, access != .open else { return try await handler(request, context) }
        guard let client = context.client else {
            throw Problem.unauthorized(failure ?? "a bearer token or a client certificate is required")
        }
        switch access {
        case .open, .authenticated:
            break
        case .bodyKey(let operation):
            // The handler authorizes the body's label (SSMRequestContext.authorizedLabel). A
            // handler that answered success without doing so is a defect: fail loudly.
            let response = try await handler(request, context)
            if response.status.code < 400 && context.note.current.label == nil {
                context.logger.critical("route answered without authorizing its key", metadata: ["path": "\(request.uri.path)"])
                throw Problem.forbidden(operation: operation, key: nil, client: client.id)
            }
            return response
        case .global(let operation):
            guard client.allows(operation, key: nil) else {
                throw Problem.forbidden(operation: operation, key: nil, client: client.id)
            }
        case .pathKey(_, let parameter):
            let name = context.parameters.get(parameter) ?? ""
            context.note.setKey(label: name)
            try context.authorize(key: name)
        }
        return try await handler(request, context)
    }

    /// The client the request's credentials name, or why they name none.
    private func authenticate(_ request: Request, context: SSMRequestContext) async -> (Client?, String?) {
        if request.headers[.vaultToken] == nil, let authorization = request.headers[.authorization] {
            guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
                return (nil, "the Authorization header must be 'Bearer <token>'")
            }
        }
        if let token = Self.presentedToken(request) {
            if token.split(separator: ".", omittingEmptySubsequences: false).count == 3, let jwt {
                if let id = await jwt.clientID(forToken: token), let client = clients.client(id: id) {
                    return (client, nil)
                }
                return (nil, "the token is not valid (signature, expiry, issuer or audience)")
            }
            if let client = clients.client(bearerToken: token) { return (client, nil) }
            return (nil, "the token is not valid")
        }
        if let identities = await Self.certificateIdentities(context.channel) {
            if let client = clients.client(certificateIdentities: identities) { return (client, nil) }
            return (nil, "the client certificate names no configured client")
        }
        return (nil, nil)
    }

    /// The token of the request: `X-Vault-Token` (Vault's clients) or `Authorization: Bearer`.
    static func presentedToken(_ request: Request) -> String? {
        if let token = request.headers[.vaultToken] { return token.trimmingCharacters(in: .whitespaces) }
        guard let authorization = request.headers[.authorization], authorization.count > 7,
            authorization.prefix(7).lowercased() == "bearer "
        else { return nil }
        return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// The subject CN and the SANs (DNS names, e-mail addresses, URIs) of the connection's
    /// verified TLS client certificate, each with its field, or nil without one.
    static func certificateIdentities(_ channel: (any Channel)?) async -> [CertificateIdentity]? {
        guard let channel, let certificate = try? await channel.nioSSL_peerCertificate().get(),
            let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der)
        else { return nil }
        var identities: [CertificateIdentity] = []
        for rdn in parsed.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                identities.append(CertificateIdentity(.cn, attribute.value.description))
            }
        }
        if let names = try? parsed.extensions.subjectAlternativeNames {
            for name in names {
                switch name {
                case .dnsName(let value): identities.append(CertificateIdentity(.dns, value))
                case .rfc822Name(let value): identities.append(CertificateIdentity(.email, value))
                case .uniformResourceIdentifier(let value): identities.append(CertificateIdentity(.uri, value))
                default: break
                }
            }
        }
        return identities
    }
}
