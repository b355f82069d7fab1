import Hummingbird
import SSMCore

/// `/v1/sign`, `/v1/verify` (signatures, or HMACs when items carry `hmac`), `/v1/hmac`.
struct V1SigningController {
    let transit: TransitService
    let bodyLimit: Int

    func addRoutes(to table: RouteRegistrar) {
        table.add(.post, ["/v1/sign/{name}"], .pathKey(.sign, parameter: "name")) { request, context in
            let name = try V1Support.name(context)
            let body = try await JSONBody.decode(V1Request.self, from: request, limit: bodyLimit)
            let options = try V1Support.signatureOptions(body)
            return try await V1Support.respond(
                body, parse: Self.signItem,
                run: { try await transit.sign(name: name, items: $0, options: options) },
                present: { V1Result(signature: $0.ciphertext, keyVersion: $0.version) })
        }
        table.add(.post, ["/v1/hmac/{name}"], .pathKey(.hmac, parameter: "name")) { request, context in
            let name = try V1Support.name(context)
            let body = try await JSONBody.decode(V1Request.self, from: request, limit: bodyLimit)
            let hash = try V1Support.hash(body.algorithm ?? body.hashAlgorithm)
            return try await V1Support.respond(
                body, parse: Self.signItem,
                run: { try await transit.hmac(name: name, items: $0, hash: hash) },
                present: { V1Result(hmac: $0.ciphertext, keyVersion: $0.version) })
        }
        table.add(.post, ["/v1/verify/{name}"], .pathKey(.verify, parameter: "name")) { request, context in
            let name = try V1Support.name(context)
            let body = try await JSONBody.decode(V1Request.self, from: request, limit: bodyLimit)
            let items = body.batchInput ?? [body.item]
            // Every option is checked, whichever kind of verification it is.
            let options = try V1Support.signatureOptions(body)
            let hmacHash = try V1Support.hash(body.algorithm)
            // HMAC verification when the items carry `hmac` (Vault's convention).
            if items.contains(where: { $0.hmac != nil }) {
                let hash = body.algorithm == nil ? options.hash : hmacHash
                return try await V1Support.respond(
                    body, parse: { (item) throws(TransitError) in try Self.verifyItem(item, field: "hmac", item.hmac) },
                    run: { try await transit.verifyHMAC(name: name, items: $0, hash: hash) },
                    present: { V1Result(valid: $0) })
            }
            return try await V1Support.respond(
                body, parse: { (item) throws(TransitError) in try Self.verifyItem(item, field: "signature", item.signature) },
                run: { try await transit.verify(name: name, items: $0, options: options) },
                present: { V1Result(valid: $0) })
        }
    }

    private static func signItem(_ item: V1Item) throws(TransitError) -> TransitService.SignItem {
        TransitService.SignItem(input: try V1Support.base64(item.input, field: "input"), version: try V1Support.version(item.keyVersion))
    }

    private static func verifyItem(_ item: V1Item, field: String, _ value: String?) throws(TransitError) -> TransitService.VerifyItem {
        guard let value else { throw .invalidArgument("missing field '\(field)'") }
        return TransitService.VerifyItem(input: try V1Support.base64(item.input, field: "input"), signature: value)
    }
}
