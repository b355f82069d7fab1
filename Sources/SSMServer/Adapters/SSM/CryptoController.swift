import HTTPTypes
import Hummingbird
import SSMCore

/// `/encrypt`, `/encrypt-pool`, `/decrypt`, `/encrypt-aes-gcm`, `/decrypt-aes-gcm`, at the
/// root and under `/crypto`.
///
/// `/encrypt` opens a session for the request and closes it afterwards (SSM's behaviour
/// before its pool); the others borrow from the pool. Both give interchangeable results.
/// With algorithm 9 (AES-256-GCM) `/encrypt` and `/decrypt` carry the 16-byte tag at the
/// end of `cipher`.
struct CryptoController {
    let keys: KeyService
    let bodyLimit: Int

    func addRoutes(to table: RouteRegistrar) {
        table.add(.post, .rootAndCrypto("/encrypt"), .bodyKey(.encrypt)) { request, context in
            try await encrypt(request, context, source: .perRequest)
        }
        table.add(.post, .rootAndCrypto("/encrypt-pool"), .bodyKey(.encrypt)) { request, context in
            try await encrypt(request, context, source: .pool)
        }
        table.add(.post, .rootAndCrypto("/decrypt"), .bodyKey(.decrypt)) { request, context in try await decrypt(request, context) }
        table.add(.post, .rootAndCrypto("/encrypt-aes-gcm"), .bodyKey(.encrypt)) { request, context in
            try await encryptGCM(request, context)
        }
        table.add(.post, .rootAndCrypto("/decrypt-aes-gcm"), .bodyKey(.decrypt)) { request, context in
            try await decryptGCM(request, context)
        }
    }

    private func encrypt(_ request: Request, _ context: SSMRequestContext, source: KeyService.SessionSource) async throws -> Response {
        let body = try await JSONBody.decodeFlat(EncryptRequest.self, from: request, limit: bodyLimit)
        let label = try context.authorizedLabel(body.keyLabel)
        let algorithm = try RequestValidation.algorithm(body.encryptionAlgorithm)
        var plain = try RequestValidation.hex(body.plain, field: "plain")
        defer { plain.zeroize() }
        let sealed = try await keys.encrypt(label: label, algorithm: algorithm, plaintext: plain, source: source)
        context.note.setKeyID(sealed.keyID.rawValue)
        let now = Timestamp.now()
        return JSONBody.written(
            EncryptResponse(
                cipher: HexBytes(sealed.tag.map { sealed.ciphertext + $0 } ?? sealed.ciphertext), iv: HexBytes(sealed.iv),
                id: sealed.keyID.rawValue, ok: true, timeCreated: now, timeUpdated: now),
            capacity: 160 + 2 * (sealed.ciphertext.count + 16))
    }

    private func decrypt(_ request: Request, _ context: SSMRequestContext) async throws -> Response {
        let body = try await JSONBody.decodeFlat(DecryptRequest.self, from: request, limit: bodyLimit)
        let label = try context.authorizedLabel(body.keyLabel)
        let algorithm = try RequestValidation.algorithm(body.encryptionAlgorithm)
        let id = try RequestValidation.keyID(body.id)
        context.note.setKeyID(id.rawValue)
        var cipher = try RequestValidation.hex(body.cipher, field: "cipher")
        let iv = try RequestValidation.hex(body.iv, field: "iv")
        var tag: [UInt8]?
        if algorithm.family == .aesGCM {
            guard cipher.count >= 16 else {
                throw Problem(.badRequest, "DECRYPTION_ERROR", "'cipher' must end with the 16-byte GCM tag")
            }
            tag = Array(cipher.suffix(16))
            cipher.removeLast(16)
        }
        var plain = try await keys.decrypt(
            label: label, id: id, algorithm: algorithm, ciphertext: cipher, iv: iv, tag: tag)
        defer { plain.zeroize() }
        return JSONBody.written(DecryptResponse(plain: HexBytes(plain)), capacity: 16 + 2 * plain.count)
    }

    private func encryptGCM(_ request: Request, _ context: SSMRequestContext) async throws -> Response {
        let body = try await JSONBody.decodeFlat(EncryptGCMRequest.self, from: request, limit: bodyLimit)
        let label = try context.authorizedLabel(body.keyLabel)
        var plain = try RequestValidation.hex(body.plain, field: "plain")
        defer { plain.zeroize() }
        guard !plain.isEmpty else { throw Problem.invalidRequest("'plain' must not be empty") }
        let aad = try body.aad.map { try RequestValidation.hex($0, field: "aad") } ?? []
        let sealed = try await keys.encrypt(label: label, algorithm: .aes256GCM, plaintext: plain, aad: aad)
        context.note.setKeyID(sealed.keyID.rawValue)
        let now = Timestamp.now()
        return JSONBody.written(
            EncryptGCMResponse(
                cipher: HexBytes(sealed.ciphertext), iv: HexBytes(sealed.iv), tag: HexBytes(sealed.tag ?? []),
                id: sealed.keyID.rawValue, ok: true, timeCreated: now, timeUpdated: now),
            capacity: 200 + 2 * sealed.ciphertext.count)
    }

    private func decryptGCM(_ request: Request, _ context: SSMRequestContext) async throws -> Response {
        let body = try await JSONBody.decodeFlat(DecryptGCMRequest.self, from: request, limit: bodyLimit)
        let label = try context.authorizedLabel(body.keyLabel)
        let id = try RequestValidation.keyID(body.id)
        context.note.setKeyID(id.rawValue)
        let cipher = try RequestValidation.hex(body.cipher, field: "cipher")
        let iv = try RequestValidation.hex(body.iv, field: "iv")
        let tag = try RequestValidation.hex(body.tag, field: "tag")
        let aad = try body.aad.map { try RequestValidation.hex($0, field: "aad") } ?? []
        var plain = try await keys.decrypt(
            label: label, id: id, algorithm: .aes256GCM, ciphertext: cipher, iv: iv, tag: tag, aad: aad)
        defer { plain.zeroize() }
        let now = Timestamp.now()
        return JSONBody.written(
            DecryptGCMResponse(plain: HexBytes(plain), id: id.rawValue, ok: true, timeCreated: now, timeUpdated: now),
            capacity: 120 + 2 * plain.count)
    }
}
