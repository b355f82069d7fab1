import Hummingbird
import SSMCore

/// `/v1/sign`, `/v1/verify` (signatures, or HMACs when items carry `hmac`), `/v1/hmac`.
struct TransitSigningController {
    let transit: TransitService
    let bodyLimit: Int

    func addRoutes(to table: RouteRegistrar) {
        table.add(.post, ["/v1/sign/{name}"], .pathKey(.sign, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let body = try await JSONBody.decode(TransitRequest.self, from: request, limit: bodyLimit)
            let options = try TransitSupport.signatureOptions(body)
            return try await TransitSupport.respond(
                body, parse: Self.signItem,
                run: { try await transit.sign(name: name, items: $0, options: options) },
                present: { TransitResult(signature: $0.signature, keyVersion: $0.version) })
        }
        table.add(.post, ["/v1/hmac/{name}"], .pathKey(.hmac, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let body = try await JSONBody.decode(TransitRequest.self, from: request, limit: bodyLimit)
            let hash = try TransitSupport.hash(body.algorithm ?? body.hashAlgorithm)
            return try await TransitSupport.respond(
                body, parse: Self.signItem,
                run: { try await transit.hmac(name: name, items: $0, hash: hash) },
                present: { TransitResult(hmac: $0.hmac, keyVersion: $0.version) })
        }
        table.add(.post, ["/v1/verify/{name}"], .pathKey(.verify, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let body = try await JSONBody.decode(TransitRequest.self, from: request, limit: bodyLimit)
            let items = body.batchInput ?? [body.item]
            // Every option is checked, whichever kind of verification it is.
            let options = try TransitSupport.signatureOptions(body)
            let hmacHash = try TransitSupport.hash(body.algorithm)
            // HMAC verification when the items carry `hmac` (Vault's convention).
            if items.contains(where: { $0.hmac != nil }) {
                let hash = body.algorithm == nil ? options.hash : hmacHash
                return try await TransitSupport.respond(
                    body, parse: { (item) throws(TransitError) in try Self.verifyItem(item, field: "hmac", item.hmac) },
                    run: { try await transit.verifyHMAC(name: name, items: $0, hash: hash) },
                    present: { TransitResult(valid: $0) })
            }
            return try await TransitSupport.respond(
                body, parse: { (item) throws(TransitError) in try Self.verifyItem(item, field: "signature", item.signature) },
                run: { try await transit.verify(name: name, items: $0, options: options) },
                present: { TransitResult(valid: $0) })
        }
    }

    private static func signItem(_ item: TransitItem) throws(TransitError) -> TransitService.SignItem {
        TransitService.SignItem(input: try TransitSupport.base64(item.input, field: "input"), version: try TransitSupport.version(item.keyVersion))
    }

    private static func verifyItem(_ item: TransitItem, field: String, _ value: String?) throws(TransitError) -> TransitService.VerifyItem {
        guard let value else { throw .invalidArgument("missing field '\(field)'") }
        return TransitService.VerifyItem(input: try TransitSupport.base64(item.input, field: "input"), signature: value)
    }
}
