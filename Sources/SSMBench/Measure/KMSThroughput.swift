import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KMSProto

/// One point of the KMS comparison: `Encrypt` of a data-key seed over the plugin's socket, or
/// the HTTP routes that do the same work (`/v1/transit/encrypt` single item, `/encrypt-pool`).
public struct KMSResult: Sendable, Codable, Hashable {
    /// `KMS Encrypt` (gRPC over the Unix socket), `/v1/transit/encrypt` or `/encrypt-pool` (HTTP, wrk).
    public var series: String
    /// Plaintext bytes (32: what kube-apiserver sends).
    public var payload: Int
    /// Concurrent callers (gRPC calls in flight on one HTTP/2 connection, or wrk connections).
    public var concurrency: Int
    /// Calls answered per second.
    public var requestsPerSecond: Double
    /// Median latency.
    public var p50Milliseconds: Double
    /// 99th percentile latency.
    public var p99Milliseconds: Double
    /// Failed calls.
    public var errors: Int
    /// The server's CPU time (user + system) per answered call, in microseconds.
    public var serverCPUMicrosecondsPerRequest: Double?
}

/// `Encrypt` calls over the KMS plugin's socket from `concurrency` concurrent callers on one
/// gRPC connection (as kube-apiserver holds one), each calling again as soon as it is answered.
struct KMSThroughput {
    /// The series name of the gRPC measurement.
    static let series = "KMS Encrypt"
    /// The seed size kube-apiserver encrypts.
    static let payload = 32

    let socketPath: String
    let seconds: Int

    func measure(server: ServerProcess, concurrency levels: [Int]) async throws -> [KMSResult] {
        // No flush coalescing: each caller waits for its answer (as the server's own setting).
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext,
            config: .defaults { $0.connection.flushCoalescing = nil })
        let seconds = self.seconds
        return try await withGRPCClient(transport: transport) { client in
            let kms = V2_KeyManagementService.Client(wrapping: client)
            let request: V2_EncryptRequest = {
                var request = V2_EncryptRequest()
                request.plaintext = Data((0..<Self.payload).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) })
                request.uid = "ssm-bench"
                return request
            }()
            // The key's handles into the cache, the connection up.
            let first = try await kms.encrypt(request)
            guard !first.ciphertext.isEmpty, !first.keyID.isEmpty else { throw BenchError("KMS Encrypt answered no ciphertext") }
            var results: [KMSResult] = []
            for concurrency in levels {
                let end = ContinuousClock.now + .seconds(seconds)
                let started = ContinuousClock.now
                let cpuBefore = server.cpuSeconds()
                let (latencies, errors) = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
                    for _ in 0..<concurrency {
                        group.addTask {
                            var latencies: [Double] = []
                            var errors = 0
                            while ContinuousClock.now < end {
                                let start = ContinuousClock.now
                                do {
                                    _ = try await kms.encrypt(request)
                                    latencies.append((ContinuousClock.now - start).inSeconds * 1000)
                                } catch {
                                    errors += 1
                                }
                            }
                            return (latencies, errors)
                        }
                    }
                    var all: [Double] = []
                    var errors = 0
                    for try await (latencies, failed) in group {
                        all += latencies
                        errors += failed
                    }
                    return (all.sorted(), errors)
                }
                let elapsed = (ContinuousClock.now - started).inSeconds
                let cpu = server.cpuSeconds() - cpuBefore
                results.append(
                    KMSResult(
                        series: Self.series, payload: Self.payload, concurrency: concurrency,
                        requestsPerSecond: elapsed > 0 ? Double(latencies.count) / elapsed : 0,
                        p50Milliseconds: Self.percentile(latencies, 0.50), p99Milliseconds: Self.percentile(latencies, 0.99),
                        errors: errors,
                        serverCPUMicrosecondsPerRequest: latencies.isEmpty ? nil : cpu / Double(latencies.count) * 1e6))
            }
            return results
        }
    }

    /// The `fraction` percentile of sorted values (0 for none).
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = Int((Double(sorted.count) * fraction).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, index))]
    }
}
