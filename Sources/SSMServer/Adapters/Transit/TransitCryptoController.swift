import Foundation
import Hummingbird
import SSMCore

/// `/v1/encrypt`, `/v1/decrypt`, `/v1/rewrap`, `/v1/datakey`, `/v1/random`.
struct TransitCryptoController {
    let transit: TransitService
    let bodyLimit: Int

    func addRoutes(to table: RouteRegistrar) {
        table.add(.post, ["/v1/encrypt/{name}"], .pathKey(.encrypt, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let body = try await JSONBody.decode(TransitRequest.self, from: request, limit: bodyLimit)
            return try await TransitSupport.respond(
                body,
                parse: { (item) throws(TransitError) in
                    let plaintext = try TransitSupport.base64(item.plaintext, field: "plaintext")
                    guard plaintext.count <= TransitLimits.maxPlaintextBytes else {
                        throw .plaintextTooLarge(limit: TransitLimits.maxPlaintextBytes)
                    }
                    return TransitService.EncryptItem(
                        plaintext: plaintext,
                        associatedData: try TransitSupport.base64(item.associatedData, field: "associated_data", optional: true),
                        version: try TransitSupport.version(item.keyVersion))
                },
                run: { try await transit.encrypt(name: name, items: $0) },
                present: { TransitResult(ciphertext: $0.ciphertext, keyVersion: $0.version) })
        }
        table.add(.post, ["/v1/decrypt/{name}"], .pathKey(.decrypt, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let body = try await JSONBody.decode(TransitRequest.self, from: request, limit: bodyLimit)
            return try await TransitSupport.respond(
                body, parse: Self.decryptItem,
                run: { try await transit.decrypt(name: name, items: $0) },
                present: { TransitResult(plaintext: Data($0).base64EncodedString()) })
        }
        table.add(.post, ["/v1/rewrap/{name}"], .pathKey(.rewrap, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let body = try await JSONBody.decode(TransitRequest.self, from: request, limit: bodyLimit)
            return try await TransitSupport.respond(
                body, parse: Self.decryptItem,
                run: { try await transit.rewrap(name: name, items: $0) },
                present: { TransitResult(ciphertext: $0.ciphertext, keyVersion: $0.version) })
        }
        table.add(.post, ["/v1/datakey/{kind}/{name}"], .pathKey(.datakey, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let kind = context.parameters.get("kind") ?? ""
            guard kind == "plaintext" || kind == "wrapped" else {
                throw Problem(.notFound, "NOT_FOUND", "the data key kind must be 'plaintext' or 'wrapped'")
            }
            let body = try await JSONBody.decode(TransitRequest.self, from: request, limit: bodyLimit, emptyAs: .empty)
            let aad = try TransitSupport.base64(body.associatedData, field: "associated_data", optional: true)
            let key = try await transit.dataKey(
                name: name, bits: body.bits ?? 256, includePlaintext: kind == "plaintext", associatedData: aad)
            return try JSONBody.response(
                TransitDataKeyResponse(
                    plaintext: key.plaintext.map { Data($0).base64EncodedString() }, ciphertext: key.ciphertext,
                    keyVersion: key.version))
        }
        for method in [HTTPRequest.Method.get, .post] {
            table.add(method, ["/v1/random/{bytes}"], .global(.random)) { _, context in
                guard let text = context.parameters.get("bytes"), text.count <= 6, let count = Int(text) else {
                    throw TransitError.invalidArgument(
                        "the byte count must be a number between 1 and \(TransitLimits.maxRandomBytes)")
                }
                let bytes = try await transit.random(count: count)
                return try JSONBody.response(TransitRandomResponse(randomBytes: Data(bytes).base64EncodedString()))
            }
        }
    }

    private static func decryptItem(_ item: TransitItem) throws(TransitError) -> TransitService.DecryptItem {
        guard let ciphertext = item.ciphertext else { throw .invalidArgument("missing field 'ciphertext'") }
        return TransitService.DecryptItem(
            ciphertext: ciphertext,
            associatedData: try TransitSupport.base64(item.associatedData, field: "associated_data", optional: true))
    }
}
