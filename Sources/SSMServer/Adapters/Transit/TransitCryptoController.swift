import Foundation
import HTTPTypes
import Hummingbird
import SSMCore

/// `/v1/<mount>/encrypt`, `decrypt`, `rewrap`, `datakey`, `random`, `hash` (Vault's
/// `path_encrypt.go`, `path_decrypt.go`, `path_rewrap.go`, `path_datakey.go`,
/// `path_random.go`, `path_hash.go`). Every write route takes POST and PUT (the Go client and
/// the `vault` CLI write with PUT).
struct TransitCryptoController {
    let transit: TransitService
    let mount: String
    let bodyLimit: Int

    func addRoutes(to table: RouteRegistrar) {
        let base = "/v1/\(mount)"
        for method in [HTTPRequest.Method.post, .put] {
            table.add(method, ["\(base)/encrypt/{name}"], .pathKey(.encrypt, parameter: "name")) { request, context in
                let name = try TransitKeysController.name(context)
                let body = try await JSONBody.decodeFlat(TransitRequest.self, from: request, limit: bodyLimit)
                do {
                    return try await encrypt(name, body, context)
                } catch TransitError.keyNotFound where context.may(.generate, key: name) {
                    // Vault's upsert: a client that may create the key gets it created.
                    try TransitKeysController.refuseDerivation(derived: body.derived, convergent: body.convergentEncryption)
                    do {
                        _ = try await transit.create(name: name, type: try VaultFields.type(body.type))
                    } catch TransitError.keyExists {}
                    return try await encrypt(name, body, context)
                }
            }
            table.add(method, ["\(base)/decrypt/{name}"], .pathKey(.decrypt, parameter: "name")) { request, context in
                let name = try TransitKeysController.name(context)
                let body = try await JSONBody.decodeFlat(TransitRequest.self, from: request, limit: bodyLimit)
                return try await TransitBatch.respond(
                    body, context: context, parse: Self.decryptItem,
                    run: { try await transit.decrypt(name: name, items: $0) },
                    present: { plaintext, writer in writer.field("plaintext", Data(plaintext).base64EncodedString()) })
            }
            table.add(method, ["\(base)/rewrap/{name}"], .pathKey(.rewrap, parameter: "name")) { request, context in
                let name = try TransitKeysController.name(context)
                let body = try await JSONBody.decodeFlat(TransitRequest.self, from: request, limit: bodyLimit)
                return try await TransitBatch.respond(
                    body, context: context, parse: Self.decryptItem,
                    run: { try await transit.rewrap(name: name, items: $0) }, present: Self.presentEncrypted)
            }
            table.add(method, ["\(base)/datakey/{type}/{name}"], .pathKey(.datakey, parameter: "name")) { request, context in
                let name = try TransitKeysController.name(context)
                let kind = context.parameters.get("type") ?? ""
                guard kind == "plaintext" || kind == "wrapped" else {
                    throw TransitError.invalidArgument("the data key type must be 'plaintext' or 'wrapped'")
                }
                let body = try await JSONBody.decodeFlat(TransitRequest.self, from: request, limit: bodyLimit, emptyAs: .empty)
                if body.item.nonce != nil { throw Self.nonceRefused }
                let aad = try VaultFields.base64(body.item.associatedData, field: "associated_data", optional: true)
                let key = try await transit.dataKey(
                    name: name, bits: body.bits ?? 256, includePlaintext: kind == "plaintext", associatedData: aad)
                return VaultResponse.ok(context) { writer in
                    writer.field("ciphertext", key.ciphertext)
                    writer.field("key_version", key.version)
                    if let plaintext = key.plaintext { writer.field("plaintext", Data(plaintext).base64EncodedString()) }
                }
            }
            // Vault's `random(/:source)(/:bytes)`: one segment is a source or a number of bytes.
            table.add(method, ["\(base)/random", "\(base)/random/{source}", "\(base)/random/{source}/{bytes}"], .global(.random)) {
                request, context in
                let body = try await JSONBody.decode(TransitUtilityRequest.self, from: request, limit: bodyLimit, emptyAs: .empty)
                var count = body.bytes ?? 32
                for segment in [context.parameters.get("source"), context.parameters.get("bytes")].compactMap({ $0 }) {
                    if let number = Int(segment), segment.count <= 7 {
                        count = number
                    } else if !["platform", "seal", "all"].contains(segment) {
                        throw TransitError.invalidArgument("the random source must be platform, seal or all (every one is the HSM's generator)")
                    }
                }
                let bytes = try await transit.random(count: count)
                let text = try Self.format(bytes, body.format, default: "base64")
                return VaultResponse.ok(context) { $0.field("random_bytes", text) }
            }
            table.add(method, ["\(base)/hash", "\(base)/hash/{algorithm}"], .authenticated) { request, context in
                let body = try await JSONBody.decode(TransitUtilityRequest.self, from: request, limit: bodyLimit)
                let input = try VaultFields.base64(body.input, field: "input")
                let sum = try TransitService.hash(input, algorithm: context.parameters.get("algorithm") ?? body.algorithm)
                let text = try Self.format(sum, body.format, default: "hex")
                return VaultResponse.ok(context) { $0.field("sum", text) }
            }
        }
    }

    private func encrypt(_ name: String, _ body: TransitRequest, _ context: SSMRequestContext) async throws -> Response {
        try await TransitBatch.respond(
            body, context: context,
            parse: { (item) throws(TransitError) in
                if item.nonce != nil { throw Self.nonceRefused }
                return TransitService.EncryptItem(
                    plaintext: try VaultFields.base64(item.plaintext, field: "plaintext"),
                    associatedData: try VaultFields.base64(item.associatedData, field: "associated_data", optional: true),
                    version: try VaultFields.version(item.keyVersion))
            },
            run: { try await transit.encrypt(name: name, items: $0) }, present: Self.presentEncrypted)
    }

    private static func presentEncrypted(_ encrypted: TransitService.Encrypted, _ writer: inout JSONWriter) {
        writer.field("ciphertext", encrypted.ciphertext)
        writer.field("key_version", encrypted.version)
    }

    private static func decryptItem(_ item: TransitItem) throws(TransitError) -> TransitService.DecryptItem {
        guard let ciphertext = item.ciphertext else { throw .invalidArgument("missing field 'ciphertext'") }
        return TransitService.DecryptItem(
            ciphertext: ciphertext,
            associatedData: try VaultFields.base64(item.associatedData, field: "associated_data", optional: true))
    }

    private static let nonceRefused = TransitError.invalidArgument(
        "'nonce' is not supported: ssm has no convergent encryption; every encryption draws a random IV")

    /// `bytes` as `hex` or `base64`.
    private static func format(_ bytes: [UInt8], _ format: String?, default fallback: String) throws(TransitError) -> String {
        switch format ?? fallback {
        case "hex": Hex.encode(bytes)
        case "base64": Data(bytes).base64EncodedString()
        default: throw .invalidArgument("'format' must be hex or base64")
        }
    }
}
