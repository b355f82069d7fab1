import Foundation

/// Items per second of a `/v1/transit/encrypt` batch, next to the raw in-process AES-GCM ceiling
/// (issue 7: a batch reaches at least 0.8 of it).
public struct BatchResult: Sendable, Codable, Hashable {
    /// Items in each request's `batch_input`.
    public var batchSize: Int
    /// Plaintext bytes of each item.
    public var payload: Int
    /// wrk connections (each batch holds one session for all its items).
    public var concurrency: Int
    /// Items encrypted per second, all connections together.
    public var itemsPerSecond: Double
    /// The raw ceiling it is compared with: the best `CKM_AES_GCM` rate at this payload (1 or N threads).
    public var rawOperationsPerSecond: Double
    /// `itemsPerSecond / rawOperationsPerSecond`.
    public var ratio: Double
    /// wrk's failed requests (non-2xx, timeouts).
    public var errors: Int
}

/// Loads a running server with `/v1/transit/encrypt` batches of `batchSize` items of `payload` bytes.
struct BatchThroughput {
    /// The Transit key the batches encrypt under (created on first use; kept on the bench token).
    static let keyName = "ssm-bench-batch"

    let loader: Wrk
    let directory: String
    let seconds: Int

    func measure(
        server: ServerProcess, payload: Int, batchSize: Int, connections: [Int], raw: [RawResult]
    ) async throws -> [BatchResult] {
        let connection = try await HTTPConnection.connect(port: server.port)
        let created = try await connection.request(
            "POST", "/v1/transit/keys/\(Self.keyName)", json: Array(#"{"type":"aes256-gcm96"}"#.utf8))
        guard created.status == 200 else {
            throw BenchError("POST /v1/transit/keys/\(Self.keyName): \(created.status) \(String(decoding: created.body, as: UTF8.self))")
        }
        let item = #"{"plaintext":""# + Data((0..<payload).map { UInt8(truncatingIfNeeded: $0) }).base64EncodedString() + #""}"#
        let body = #"{"batch_input":["# + Array(repeating: item, count: batchSize).joined(separator: ",") + "]}"
        let file = "\(directory)/v1-batch-\(payload)x\(batchSize).json"
        try Data(body.utf8).write(to: URL(fileURLWithPath: file))
        let checked = try await connection.request("POST", "/v1/transit/encrypt/\(Self.keyName)", json: Array(body.utf8))
        guard checked.status == 200, !String(decoding: checked.body, as: UTF8.self).contains(#""error""#) else {
            throw BenchError("/v1/transit/encrypt batch: \(checked.status) \(String(decoding: checked.body.prefix(300), as: UTF8.self))")
        }
        let ceiling = raw.filter { $0.mechanism == "CKM_AES_GCM" && $0.payload == payload }
            .map(\.operationsPerSecond).max() ?? 0
        var results: [BatchResult] = []
        for concurrency in connections {
            let report = try await loader.run(
                url: "http://127.0.0.1:\(server.port)/v1/transit/encrypt/\(Self.keyName)", connections: concurrency, seconds: seconds,
                bodyFile: file)
            let elapsed = report.durationMicroseconds / 1e6
            let items = elapsed > 0 ? Double((report.requests - report.errors) * batchSize) / elapsed : 0
            results.append(
                BatchResult(
                    batchSize: batchSize, payload: payload, concurrency: concurrency, itemsPerSecond: items,
                    rawOperationsPerSecond: ceiling, ratio: ceiling > 0 ? items / ceiling : 0, errors: report.errors))
        }
        return results
    }
}
