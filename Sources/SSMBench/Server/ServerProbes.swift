import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads a server's resident set size every 100 ms on a thread of its own and keeps the highest.
final class MemorySampler: Sendable {
    private let highest = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)

    init(_ server: ServerProcess) {
        let thread = Thread { [self] in sample(server) }
        thread.start()
    }

    private func sample(_ server: ServerProcess) {
        while running.load(ordering: .relaxed) {
            _ = highest.max(server.memory().residentKiB, ordering: .relaxed)
            usleep(100_000)
        }
    }

    /// Stops sampling; the highest reading, in KiB.
    func stop() -> Int {
        running.store(false, ordering: .relaxed)
        return highest.load(ordering: .relaxed)
    }
}

extension ServerProcess {
    /// Opens `count` connections, sends `GET /health-check` on each and keeps them all open;
    /// after a second reads the server's memory; then sends `POST /encrypt-pool` with `encryptBody`
    /// on each (a connection's task keeps the deepest async frames it has run, so what a
    /// connection did changes what it costs idle) and reads the memory again; finally asks
    /// `/health-check` once more on each, counting those that answer, and closes them.
    func keepAliveMemory(connections count: Int, encryptBody: [UInt8]) async throws -> KeepAliveReading {
        var connections: [HTTPConnection] = []
        connections.reserveCapacity(count)
        for _ in 0..<count {
            let connection = try await HTTPConnection.connect(port: port)
            guard try await connection.request("GET", "/health-check").status == 200 else {
                throw BenchError("/health-check did not answer 200 on a keep-alive connection")
            }
            connections.append(connection)
        }
        try await Task.sleep(for: .seconds(1))
        let afterHealth = memory().residentKiB
        for connection in connections {
            guard try await connection.request("POST", "/encrypt-pool", json: encryptBody).status == 200 else {
                throw BenchError("/encrypt-pool did not answer 200 on a keep-alive connection")
            }
        }
        try await Task.sleep(for: .seconds(1))
        let afterEncrypt = memory().residentKiB
        var answered = 0
        for connection in connections {
            if (try? await connection.request("GET", "/health-check").status) == 200 { answered += 1 }
        }
        // Closed before the next measurement, not while it runs (the server handles the closes).
        for connection in connections { await connection.close() }
        try await Task.sleep(for: .seconds(1))
        return KeepAliveReading(afterHealthCheckKiB: afterHealth, afterEncryptKiB: afterEncrypt, answered: answered)
    }

    /// `ssm_pkcs11_fast_lane_backoffs_total` from `/metrics`: how often the server's PKCS#11 calls
    /// left the fast lane so far (nil without a lane, or when `/metrics` does not answer).
    func laneBackOffs() async -> Int? {
        guard let answer = try? await request("GET", "/metrics"), answer.status == 200 else { return nil }
        let name = "ssm_pkcs11_fast_lane_backoffs_total "
        for line in String(decoding: answer.body, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name) {
            return Double(line.dropFirst(name.count)).map { Int($0) }
        }
        return nil
    }

    /// One request on a fresh connection (closed when dropped).
    func request(_ method: String, _ path: String, json body: [UInt8]? = nil) async throws -> (status: Int, body: [UInt8]) {
        try await HTTPConnection.connect(port: port).request(method, path, json: body)
    }
}

/// Memory with many idle keep-alive connections open.
struct KeepAliveReading: Sendable {
    /// Each connection has served one `GET /health-check`.
    var afterHealthCheckKiB: Int
    /// Each has also served one `POST /encrypt-pool`.
    var afterEncryptKiB: Int
    /// Connections that answered a last request.
    var answered: Int
}

/// Lets this process (and the servers it starts, which inherit it) open as many files as allowed:
/// 1,000 keep-alive connections need more than the usual soft limit of 1,024 descriptors.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
