import Foundation

/// Every protocol's crypto call on 32 bytes, on the same server at the same concurrency: the KMS
/// plugin's `Encrypt` (gRPC over the Unix socket, ``KMSThroughput``, loaded by h2load), and,
/// loaded by wrk, `/v1/transit/encrypt` with a single item under the same Transit key,
/// `/v1/transit/decrypt` of a ciphertext of that key, and `/encrypt-pool` (AES-256-CBC under
/// SSM's key). Issue 16 asks the KMS rate to reach the Transit encrypt rate; issue 17 every
/// route 0.9 of `/encrypt-pool`'s.
struct KMSComparison {
    /// The plugin's key on the bench token (a Transit key, created by the server).
    static let keyName = "ssm-bench-kms"
    /// Concurrent callers of each series.
    static let concurrency = [1, 16]

    let loader: Wrk
    let grpcLoader: H2Load
    let directory: String
    let seconds: Int

    func measure(server: ServerProcess, socketPath: String, concurrency: [Int]) async throws -> [KMSResult] {
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socketPath) {
            try await Task.sleep(for: .milliseconds(50))
        }
        var results = try await KMSThroughput(socketPath: socketPath, seconds: seconds, loader: grpcLoader).measure(
            server: server, concurrency: concurrency)
        let seed = (0..<KMSThroughput.payload).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        let v1 = #"{"plaintext":""# + Data(seed).base64EncodedString() + #""}"#
        let pool =
            #"{"key_label":""# + BenchToken.keyLabel + #"","plain":""# + seed.map { String(format: "%02x", $0) }.joined()
            + #"","encryption_algorithm":1}"#
        let ciphertext = try await Self.ciphertext(server: server, body: v1)
        for (series, path, body) in [
            ("/v1/transit/encrypt", "/v1/transit/encrypt/\(Self.keyName)", v1),
            ("/v1/transit/decrypt", "/v1/transit/decrypt/\(Self.keyName)", #"{"ciphertext":""# + ciphertext + #""}"#),
            ("/encrypt-pool", "/encrypt-pool", pool),
        ] {
            let answer = try await server.request("POST", path, json: Array(body.utf8))
            guard answer.status == 200 else {
                throw BenchError(
                    "\(path) (32 B) answered \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
            }
            let file = "\(directory)/kms-comparison\(path.replacingOccurrences(of: "/", with: "-")).json"
            try Data(body.utf8).write(to: URL(fileURLWithPath: file))
            for callers in concurrency {
                let cpuBefore = server.cpuSeconds()
                let report = try await loader.run(
                    url: "http://127.0.0.1:\(server.port)\(path)", connections: callers, seconds: seconds, bodyFile: file)
                let elapsed = report.durationMicroseconds / 1e6
                let cpu = server.cpuSeconds() - cpuBefore
                results.append(
                    KMSResult(
                        series: series, payload: seed.count, concurrency: callers,
                        requestsPerSecond: elapsed > 0 ? Double(report.requests - report.errors) / elapsed : 0,
                        p50Milliseconds: report.p50Microseconds / 1000, p99Milliseconds: report.p99Microseconds / 1000,
                        errors: report.errors,
                        serverCPUMicrosecondsPerRequest: report.requests > 0 ? cpu / Double(report.requests) * 1e6 : nil))
            }
        }
        return results
    }

    /// The Transit ciphertext of `/v1/transit/encrypt` with `body`, for the decrypt series.
    private static func ciphertext(server: ServerProcess, body: String) async throws -> String {
        let answer = try await server.request("POST", "/v1/transit/encrypt/\(keyName)", json: Array(body.utf8))
        struct Answer: Decodable {
            struct Data: Decodable { var ciphertext: String }
            var data: Data
        }
        guard answer.status == 200, let decoded = try? JSONDecoder().decode(Answer.self, from: Data(answer.body)) else {
            throw BenchError("/v1/transit/encrypt (32 B) answered \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
        }
        return decoded.data.ciphertext
    }
}
