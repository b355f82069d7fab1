import HTTPTypes
import Hummingbird
import SSMCore

/// Key generation, import, replacement, deletion and listing, at the root and under `/crypto`.
struct KeyController {
    let keys: KeyService
    let bodyLimit: Int

    func addRoutes(to table: RouteRegistrar) {
        table.add(.post, .rootAndCrypto("/generate-aes-key"), .bodyKey(.generate)) { request, context in
            try await generate(request, context) { bits in
                let bits = bits ?? 256
                guard [128, 192, 256].contains(bits) else {
                    throw Problem(.badRequest, "INVALID_KEY_SIZE", "'bits' must be 128, 192 or 256, got \(bits)")
                }
                return .aes(bits: bits)
            }
        }
        table.add(.post, .rootAndCrypto("/generate-des-key"), .bodyKey(.generate)) { request, context in
            try await generate(request, context) { bits in
                guard bits == nil || bits == 64 else { throw Problem(.badRequest, "INVALID_KEY_SIZE", "a DES key has 64 bits") }
                return .des
            }
        }
        table.add(.post, .rootAndCrypto("/generate-des3-key"), .bodyKey(.generate)) { request, context in
            try await generate(request, context) { bits in
                guard bits == nil || bits == 192 else { throw Problem(.badRequest, "INVALID_KEY_SIZE", "a DES3 key has 192 bits") }
                return .des3
            }
        }
        table.add(.post, .rootAndCrypto("/store-key"), .bodyKey(.store)) { request, context in
            try await store(request, context, replace: false)
        }
        table.add(.put, .rootAndCrypto("/store-key"), .bodyKey(.store)) { request, context in
            try await store(request, context, replace: true)
        }
        table.add(.delete, .rootAndCrypto("/store-key"), .bodyKey(.delete)) { request, context in try await delete(request, context) }
        table.add(.post, .rootAndCrypto("/get-data-keys"), .bodyKey(.list)) { request, context in
            let body = try await JSONBody.decode(LabelRequest.self, from: request, limit: bodyLimit)
            let label = try context.authorizedLabel(body.keyLabel)
            let found = try await keys.keys(label: label)
            guard !found.isEmpty else { throw KeyServiceError.keyNotFound(label: label, id: nil) }
            return try JSONBody.response(DataKeysResponse(keyLabel: label, keys: found.map(KeyInfoModel.init)))
        }
        table.add(.post, .rootAndCrypto("/get-key"), .bodyKey(.list)) { request, context in
            let body = try await JSONBody.decode(LabelAndIDRequest.self, from: request, limit: bodyLimit)
            let label = try context.authorizedLabel(body.keyLabel)
            let key = try await keys.key(label: label, id: RequestValidation.keyID(body.id))
            return try JSONBody.response(GetKeyResponse(keyLabel: label, keyInfo: KeyInfoModel(key)))
        }
        table.add(.post, .rootAndCrypto("/get-all-keys"), .global(.list)) { _, context in
            // A client sees the labels its policy lets it list.
            let all = try await keys.allKeys().filter { context.mayList($0.key) }
            return try JSONBody.response(
                AllKeysResponse(
                    keysByLabel: all.mapValues { $0.map(KeyInfoModel.init) },
                    totalKeys: all.values.reduce(0) { $0 + $1.count }, totalLabels: all.count))
        }
    }

    /// Generates a key: `kind` turns the optional `bits` into the key type; the label
    /// defaults to SSM's for the type.
    private func generate(_ request: Request, _ context: SSMRequestContext, _ kind: (Int?) throws -> SecretKeyType) async throws -> Response {
        let body = try await JSONBody.decode(
            GenerateKeyRequest.self, from: request, limit: bodyLimit, emptyAs: GenerateKeyRequest())
        let type = try kind(body.bits)
        let label = try context.authorizedLabel(body.keyLabel ?? type.ssmLabel)
        let key = try await keys.generate(type, label: label, id: RequestValidation.optionalKeyID(body.id))
        return try JSONBody.response(
            GeneratedKeyResponse(
                handle: key.handle.rawValue, id: key.id?.rawValue ?? 0, bits: key.bits ?? 0, keyLabel: label,
                keyType: key.type.wireName),
            status: .created)
    }

    private func store(_ request: Request, _ context: SSMRequestContext, replace: Bool) async throws -> Response {
        let body = try await JSONBody.decode(StoreKeyRequest.self, from: request, limit: bodyLimit)
        let label = try context.authorizedLabel(body.keyLabel)
        var value = try RequestValidation.hex(body.keyValue, field: "key_value")
        defer { value.zeroize() }
        let type = try RequestValidation.keyType(body.keyType, valueLength: value.count)
        let key: KeyInfo
        if replace {
            key = try await keys.replaceKey(type, value: value, label: label, id: RequestValidation.keyID(body.id))
        } else {
            key = try await keys.importKey(type, value: value, label: label, id: RequestValidation.optionalKeyID(body.id))
        }
        let response = StoredKeyResponse(
            message: replace ? "key replaced" : "key stored", handle: key.handle.rawValue, id: key.id?.rawValue ?? 0,
            keyLabel: label, keyType: key.type.wireName, sizeBits: key.bits ?? 0)
        return try JSONBody.response(response, status: replace ? .ok : .created)
    }

    private func delete(_ request: Request, _ context: SSMRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(LabelAndIDRequest.self, from: request, limit: bodyLimit)
        let label = try context.authorizedLabel(body.keyLabel)
        let id = try RequestValidation.keyID(body.id)
        context.note.setKeyID(id.rawValue)
        try await keys.deleteKey(label: label, id: id)
        return try JSONBody.response(DeletedKeyResponse(message: "key deleted", keyLabel: label, id: id.rawValue))
    }
}
