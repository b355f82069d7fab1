import Foundation

/// The KMS plugin's `Encrypt` of a 32-byte seed against the HTTP routes that do the same work
/// on the same server, at the same concurrency (issue 16: at least the Transit encrypt rate):
/// `KMS Encrypt` (gRPC over the Unix socket, ``KMSThroughput``), `/v1/transit/encrypt` with a single
/// item under the same Transit key, and `/encrypt-pool` (AES-256-CBC under SSM's key), both
/// loaded by wrk.
struct KMSComparison {
    /// The plugin's key on the bench token (a Transit key, created by the server).
    static let keyName = "ssm-bench-kms"
    /// Concurrent callers of each series.
    static let concurrency = [1, 16]

    let loader: Wrk
    let directory: String
    let seconds: Int

    func measure(server: ServerProcess, socketPath: String, concurrency: [Int]) async throws -> [KMSResult] {
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socketPath) {
            try await Task.sleep(for: .milliseconds(50))
        }
        var results = try await KMSThroughput(socketPath: socketPath, seconds: seconds).measure(
            server: server, concurrency: concurrency)
        let seed = (0..<KMSThroughput.payload).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        let v1 = #"{"plaintext":""# + Data(seed).base64EncodedString() + #""}"#
        let pool =
            #"{"key_label":""# + BenchToken.keyLabel + #"","plain":""# + seed.map { String(format: "%02x", $0) }.joined()
            + #"","encryption_algorithm":1}"#
        for (series, path, body) in [
            ("/v1/transit/encrypt", "/v1/transit/encrypt/\(Self.keyName)", v1), ("/encrypt-pool", "/encrypt-pool", pool),
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
}
