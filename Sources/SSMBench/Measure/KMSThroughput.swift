import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KMSProto
import SwiftProtobuf

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
/// HTTP/2 connection (as kube-apiserver holds one), each calling again as soon as it is answered.
///
/// One call through grpc-swift's client first checks the answer (a ciphertext and a key id) and
/// warms the key's handles; the load itself comes from ``H2Load``, a C client, so that the
/// figures are the server's as wrk's are for the HTTP routes.
struct KMSThroughput {
    /// The series name of the gRPC measurement.
    static let series = "KMS Encrypt"
    /// The seed size kube-apiserver encrypts.
    static let payload = 32
    /// The method's HTTP/2 path.
    static let path = "/v2.KeyManagementService/Encrypt"

    let socketPath: String
    let seconds: Int
    let loader: H2Load

    func measure(server: ServerProcess, concurrency levels: [Int]) async throws -> [KMSResult] {
        var request = V2_EncryptRequest()
        request.plaintext = Data((0..<Self.payload).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) })
        request.uid = "ssm-bench"
        let message: [UInt8] = try request.serializedBytes()
        let answer = try await Self.check(request, socketPath: socketPath)
        var results: [KMSResult] = []
        for concurrency in levels {
            let cpuBefore = server.cpuSeconds()
            let report = try await loader.run(
                socketPath: socketPath, path: Self.path, message: message, answerBytes: answer.count, streams: concurrency,
                seconds: seconds)
            let cpu = server.cpuSeconds() - cpuBefore
            results.append(
                KMSResult(
                    series: Self.series, payload: Self.payload, concurrency: concurrency,
                    requestsPerSecond: report.seconds > 0 ? Double(report.answered) / report.seconds : 0,
                    p50Milliseconds: Self.percentile(report.latencies, 0.50), p99Milliseconds: Self.percentile(report.latencies, 0.99),
                    errors: report.errors,
                    serverCPUMicrosecondsPerRequest: report.answered > 0 ? cpu / Double(report.answered) * 1e6 : nil))
        }
        return results
    }

    /// One `Encrypt` through grpc-swift's client: the serialized answer, after checking that it
    /// holds a ciphertext and a key id.
    static func check(_ request: V2_EncryptRequest, socketPath: String) async throws -> [UInt8] {
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        return try await withGRPCClient(transport: transport) { client in
            let answer = try await V2_KeyManagementService.Client(wrapping: client).encrypt(request)
            guard !answer.ciphertext.isEmpty, !answer.keyID.isEmpty else { throw BenchError("KMS Encrypt answered no ciphertext") }
            return try answer.serializedBytes()
        }
    }

    /// The `fraction` percentile of sorted values (0 for none).
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = Int((Double(sorted.count) * fraction).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, index))]
    }
}
