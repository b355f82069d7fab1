import Foundation

/// Drives nghttp2's `h2load` as the gRPC load generator: a C client as lean as wrk, so that on a
/// machine of two cores the client does not take the server's CPU (a Swift gRPC client in the
/// bench's own process costs about as much per call as the server).
///
/// Calls are unary gRPC requests POSTed as one length-prefixed message on one HTTP/2
/// connection with `streams` calls in flight, over a Unix socket. h2load counts HTTP statuses
/// only, and gRPC answers an error with status 200 and a trailer, so a call counts as answered
/// when its response message arrived: the DATA bytes received, divided by the size of the
/// expected answer (every answer of the run has the same size), must equal the calls h2load
/// completed.
struct H2Load {
    /// The h2load executable.
    let executable: String
    /// A directory for the request body and the per-request log.
    let directory: String

    /// What one run measured.
    struct Report {
        /// Calls answered with the expected message.
        var answered: Int
        /// Calls that ended without it (gRPC errors, resets, timeouts).
        var errors: Int
        /// The run's length.
        var seconds: Double
        /// Latencies of every call, sorted, in milliseconds.
        var latencies: [Double]
    }

    /// POSTs `message` (a serialized protobuf) to `path` over the Unix socket `socketPath` for
    /// `seconds`, `streams` calls at a time on one connection; `answerBytes` is the size of the
    /// serialized answer message.
    func run(socketPath: String, path: String, message: [UInt8], answerBytes: Int, streams: Int, seconds: Int) async throws -> Report {
        let body = "\(directory)/h2load-body.bin"
        let log = "\(directory)/h2load-\(streams).log"
        // gRPC's framing: a compression flag of 0 and the length in 4 bytes, big-endian.
        let length = UInt32(message.count)
        let frame = [0, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + message
        try Data(frame).write(to: URL(fileURLWithPath: body))
        let arguments = [
            "-B", "unix:\(socketPath)", "-c", "1", "-m", "\(streams)", "-D", "\(seconds)", "-d", body, "--log-file=\(log)",
            "-H", "content-type: application/grpc", "-H", "te: trailers", "http://localhost\(path)",
        ]
        let executable = self.executable
        let result = try await onOwnThread { try Subprocess.run(executable, arguments, environment: nil) }
        guard result.status == 0, let summary = Self.parse(result.output) else {
            throw BenchError("h2load \(arguments.joined(separator: " ")) failed (status \(result.status)): \(result.output.suffix(2000))")
        }
        let frameBytes = answerBytes + 5
        let answered = summary.dataBytes / frameBytes
        guard summary.dataBytes % frameBytes == 0, answered <= summary.done else {
            throw BenchError("h2load received \(summary.dataBytes) DATA bytes for \(summary.done) calls; each answer is \(frameBytes) bytes")
        }
        let latencies = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .compactMap { line in line.split(separator: "\t").dropFirst(2).first.flatMap { Double($0) }.map { $0 / 1000 } }
            .sorted()
        try? FileManager.default.removeItem(atPath: log)
        return Report(answered: answered, errors: summary.done - answered, seconds: summary.seconds, latencies: latencies)
    }

    /// The figures of h2load's summary: `finished in 4.00s, …`, `requests: N total, N started,
    /// N done, …` and `traffic: … (B) data`.
    static func parse(_ output: String) -> (seconds: Double, done: Int, dataBytes: Int)? {
        func number(after prefix: String, before suffix: String, in line: Substring) -> Substring? {
            guard let start = line.range(of: prefix)?.upperBound, let end = line[start...].range(of: suffix)?.lowerBound else { return nil }
            return line[start..<end]
        }
        var seconds: Double?
        var done: Int?
        var data: Int?
        for line in output.split(separator: "\n") {
            if line.hasPrefix("finished in ") {
                seconds = number(after: "finished in ", before: "s,", in: line).flatMap { Double($0) }
            } else if line.hasPrefix("requests: ") {
                done = number(after: "started, ", before: " done", in: line).flatMap { Int($0) }
            } else if line.hasPrefix("traffic: ") {
                // "…, 450.33KB (461136) data"
                data = line.split(separator: ",").last.flatMap { number(after: "(", before: ") data", in: $0) }.flatMap { Int($0) }
            }
        }
        guard let seconds, let done, let data else { return nil }
        return (seconds, done, data)
    }
}
