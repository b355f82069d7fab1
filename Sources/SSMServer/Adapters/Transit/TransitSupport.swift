import Foundation
import Hummingbird
import SSMCore

/// Field checks and the batch mechanics shared by the `/v1` controllers.
enum TransitSupport {
    /// The `{name}` path parameter, validated.
    static func name(_ context: SSMRequestContext) throws -> String {
        let name = context.parameters.get("name") ?? ""
        guard TransitLimits.isValidName(name) else { throw TransitError.invalidName(name) }
        return name
    }

    /// An optional `key_version`: absent, 0 (the newest) or a version number.
    static func version(_ value: Int?) throws(TransitError) -> Int? {
        if let value, value < 0 { throw .invalidArgument("'key_version' must not be negative") }
        return value
    }

    /// Standard base64 → bytes; `nil` → empty when `optional`.
    static func base64(_ value: String?, field: String, optional: Bool = false) throws(TransitError) -> [UInt8] {
        guard let value else {
            if optional { return [] }
            throw .invalidArgument("missing field '\(field)'")
        }
        guard let data = Data(base64Encoded: value) else { throw .invalidArgument("'\(field)' must be base64") }
        return Array(data)
    }

    /// `sha2-256` (default), `sha2-384`, `sha2-512`.
    static func hash(_ value: String?) throws(TransitError) -> DigestAlgorithm {
        switch value ?? "sha2-256" {
        case "sha2-256": .sha256
        case "sha2-384": .sha384
        case "sha2-512": .sha512
        default: throw .invalidArgument("'hash_algorithm' must be sha2-256, sha2-384 or sha2-512")
        }
    }

    /// The signature options of a request.
    static func signatureOptions(_ body: TransitRequest) throws(TransitError) -> TransitService.SignatureOptions {
        guard let padding = TransitService.RSAPadding(rawValue: body.signatureAlgorithm ?? "pss") else {
            throw .invalidArgument("'signature_algorithm' must be pss or pkcs1v15")
        }
        guard let marshaling = TransitService.SignatureMarshaling(rawValue: body.marshalingAlgorithm ?? "asn1") else {
            throw .invalidArgument("'marshaling_algorithm' must be asn1 or jws")
        }
        return .init(hash: try hash(body.hashAlgorithm), prehashed: body.prehashed ?? false, padding: padding, marshaling: marshaling)
    }

    /// Answers a request that is one item or a `batch_input`: `parse` turns each item into the
    /// service's input (a parse failure is that item's error), `run` does the valid ones in one
    /// call, `present` writes a success. A single item's error is the response's.
    static func respond<Input: Sendable, Output: Sendable>(
        _ body: TransitRequest,
        parse: (TransitItem) throws(TransitError) -> Input,
        run: ([Input]) async throws -> [Result<Output, TransitError>],
        present: (Output) -> TransitResult
    ) async throws -> Response {
        guard let batch = body.batchInput else {
            let input = try parse(body.item)
            guard let result = try await run([input]).first else { throw TransitError.invalidArgument("no result") }
            return try JSONBody.response(present(try result.get()))
        }
        guard !batch.isEmpty else { throw TransitError.invalidArgument("'batch_input' must not be empty") }
        guard body.item.isEmpty else {
            throw TransitError.invalidArgument("give either 'batch_input' or the fields of one item, not both")
        }
        var parsed: [Result<Input, TransitError>] = []
        for item in batch {
            do throws(TransitError) { parsed.append(.success(try parse(item))) } catch { parsed.append(.failure(error)) }
        }
        let valid = parsed.compactMap { try? $0.get() }
        var outputs = valid.isEmpty ? [] : try await run(valid)[...]
        var results: [TransitResult] = []
        results.reserveCapacity(parsed.count)
        for item in parsed {
            switch item {
            case .failure(let error):
                results.append(failure(error))
            case .success:
                switch outputs.popFirst() {
                case .success(let output)?: results.append(present(output))
                case .failure(let error)?: results.append(failure(error))
                case nil: results.append(failure(.invalidArgument("no result")))
                }
            }
        }
        return try JSONBody.response(TransitBatchResponse(batchResults: results))
    }

    static func failure(_ error: TransitError) -> TransitResult {
        let problem = Problem.from(error)
        return TransitResult(error: problem.detail, code: problem.code)
    }
}
