import HTTPTypes
import Hummingbird
import SSMCore

/// `/v1/<mount>/sign`, `verify` (signatures, or HMACs when the items carry `hmac`), `hmac`
/// (Vault's `path_sign_verify.go`, `path_hmac.go`); the hash may be the last path segment.
struct TransitSigningController {
    let transit: TransitService
    let mount: String
    let bodyLimit: Int

    func addRoutes(to table: RouteRegistrar) {
        let base = "/v1/\(mount)"
        for method in [HTTPRequest.Method.post, .put] {
            table.add(method, ["\(base)/sign/{name}", "\(base)/sign/{name}/{hash}"], .pathKey(.sign, parameter: "name")) {
                request, context in
                let name = try TransitKeysController.name(context)
                let body = try await JSONBody.decodeFlat(TransitRequest.self, from: request, limit: bodyLimit)
                let options = try Self.options(body, context)
                return try await TransitBatch.respond(
                    body, context: context, parse: Self.signItem,
                    run: { try await transit.sign(name: name, items: $0, options: options) },
                    present: { signature, writer in
                        writer.field("key_version", signature.version)
                        writer.field("signature", signature.signature)
                    })
            }
            table.add(method, ["\(base)/hmac/{name}", "\(base)/hmac/{name}/{hash}"], .pathKey(.hmac, parameter: "name")) {
                request, context in
                let name = try TransitKeysController.name(context)
                let body = try await JSONBody.decodeFlat(TransitRequest.self, from: request, limit: bodyLimit)
                let hash = try TransitService.digestAlgorithm(
                    named: context.parameters.get("hash") ?? body.algorithm ?? body.hashAlgorithm, field: "algorithm")
                return try await TransitBatch.respond(
                    body, context: context, parse: Self.signItem,
                    run: { try await transit.hmac(name: name, items: $0, hash: hash) },
                    present: { mac, writer in
                        writer.field("hmac", mac.hmac)
                        writer.field("key_version", mac.version)
                    })
            }
            table.add(method, ["\(base)/verify/{name}", "\(base)/verify/{name}/{hash}"], .pathKey(.verify, parameter: "name")) {
                request, context in
                let name = try TransitKeysController.name(context)
                let body = try await JSONBody.decodeFlat(TransitRequest.self, from: request, limit: bodyLimit)
                let options = try Self.options(body, context)
                // HMAC verification when the items carry `hmac` (all of them, as Vault requires).
                let items = body.items
                if items.contains(where: { $0.hmac != nil }) {
                    guard items.allSatisfy({ $0.signature == nil }) else {
                        throw TransitError.invalidArgument("give either 'signature' or 'hmac' in every item, not both")
                    }
                    let hash =
                        body.algorithm == nil
                        ? options.hash : try TransitService.digestAlgorithm(named: body.algorithm, field: "algorithm")
                    return try await TransitBatch.respond(
                        body, context: context,
                        parse: { (item) throws(TransitError) in try Self.verifyItem(item, field: "hmac", item.hmac) },
                        run: { try await transit.verifyHMAC(name: name, items: $0, hash: hash) },
                        present: { valid, writer in writer.field("valid", valid) })
                }
                return try await TransitBatch.respond(
                    body, context: context,
                    parse: { (item) throws(TransitError) in try Self.verifyItem(item, field: "signature", item.signature) },
                    run: { try await transit.verify(name: name, items: $0, options: options) },
                    present: { valid, writer in writer.field("valid", valid) })
            }
        }
    }

    /// The signature options of a request; the path's hash wins over the body's.
    private static func options(_ body: TransitRequest, _ context: SSMRequestContext) throws(TransitError) -> TransitService.SignatureOptions {
        try TransitService.SignatureOptions(
            hashAlgorithm: context.parameters.get("hash") ?? body.hashAlgorithm, prehashed: body.prehashed ?? false,
            signatureAlgorithm: body.signatureAlgorithm, marshalingAlgorithm: body.marshalingAlgorithm,
            saltLength: body.saltLength)
    }

    private static func signItem(_ item: TransitItem) throws(TransitError) -> TransitService.SignItem {
        TransitService.SignItem(
            input: try VaultFields.base64(item.input, field: "input", optional: true), version: try VaultFields.version(item.keyVersion))
    }

    private static func verifyItem(_ item: TransitItem, field: String, _ value: String?) throws(TransitError) -> TransitService.VerifyItem {
        guard let value else { throw .invalidArgument("missing field '\(field)'") }
        return TransitService.VerifyItem(input: try VaultFields.base64(item.input, field: "input", optional: true), signature: value)
    }
}
