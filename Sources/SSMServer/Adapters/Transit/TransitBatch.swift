import HTTPTypes
import Hummingbird
import SSMCore

/// Answers a Transit request that is one item or a `batch_input`, as Vault does.
///
/// `parse` turns each item into the service's input (a parse failure is that item's error),
/// `run` does the valid ones in one call, `present` writes a success's fields. A single
/// item's error is the response's (`{"errors": [...]}`); in a batch each failed item carries
/// `error`, and the status is 400 when any item failed (or `partial_failure_response_code`
/// when others succeeded).
enum TransitBatch {
    static func respond<Input: Sendable, Output: Sendable>(
        _ body: TransitRequest, context: SSMRequestContext,
        parse: (TransitItem) throws(TransitError) -> Input,
        run: ([Input]) async throws -> [Result<Output, TransitError>],
        present: @escaping (Output, inout JSONWriter) -> Void
    ) async throws -> Response {
        guard let batch = body.batchInput else {
            let input = try parse(body.item)
            guard let result = try await run([input]).first else { throw TransitError.invalidArgument("no result") }
            let output = try result.get()
            return VaultResponse.ok(context) { present(output, &$0) }
        }
        guard !batch.isEmpty else { throw TransitError.invalidArgument("'batch_input' must not be empty") }
        var parsed: [Result<Input, TransitError>] = []
        parsed.reserveCapacity(batch.count)
        for item in batch {
            do throws(TransitError) { parsed.append(.success(try parse(item))) } catch { parsed.append(.failure(error)) }
        }
        let valid = parsed.compactMap { try? $0.get() }
        var outputs = valid.isEmpty ? [] : try await run(valid)[...]
        var results: [Result<Output, TransitError>] = []
        results.reserveCapacity(parsed.count)
        for item in parsed {
            switch item {
            case .failure(let error): results.append(.failure(error))
            case .success: results.append(outputs.popFirst() ?? .failure(.invalidArgument("no result")))
            }
        }
        let failures = results.count { if case .failure = $0 { true } else { false } }
        var status = HTTPResponse.Status.ok
        if failures > 0 {
            status = .badRequest
            if failures < results.count, let code = body.partialFailureResponseCode, (200...599).contains(code) {
                status = HTTPResponse.Status(code: code)
            }
        }
        return VaultResponse.ok(context, status: status, capacity: 64 + 96 * results.count) { writer in
            writer.array("batch_results", zip(results, batch)) { writer, pair in
                switch pair.0 {
                case .success(let output): present(output, &writer)
                case .failure(let error): writer.field("error", Problem.from(error).detail)
                }
                if let reference = pair.1.reference { writer.field("reference", reference) }
            }
        }
    }
}
