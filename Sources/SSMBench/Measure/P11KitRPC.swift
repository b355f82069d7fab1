import Foundation
import PKCS11

#if canImport(Glibc)
import Glibc
#endif

/// The existing way to share one HSM between processes, measured beside ssm: p11-kit's RPC.
public struct P11KitResult: Sendable, Codable, Hashable {
    /// The mechanism: `CKM_AES_ECB`, the AES mode p11-kit's RPC carries (0.24 passes no IV or
    /// GCM parameters, so neither CBC nor GCM crosses it).
    public var mechanism: String
    /// Plaintext bytes (the run's smallest payload).
    public var payload: Int
    /// The server's command line, empty when skipped.
    public var serverCommand: String
    /// The `p11-kit` package version (`dpkg-query`), when known.
    public var version: String?
    /// The raw ceiling's C loop through `p11-kit-client.so` → the server's Unix socket → the
    /// server process → SoftHSM, on 1 and N threads.
    public var rpc: [RawResult]
    /// The same loop on SoftHSM loaded in this process, measured just before each RPC point.
    public var inProcess: [RawResult]
    /// Why the series was not measured (p11-kit, its client module or the server missing, a
    /// payload that is not whole AES blocks); nil when it was.
    public var skipped: String?
}

/// Measures ``P11KitResult``: starts `p11-kit server` (``P11KitServer``) exporting the bench
/// token, loads `p11-kit-client.so` through the `PKCS11` layer with `P11_KIT_SERVER_ADDRESS`
/// set, and runs ``RawCeiling``'s timed loop (each thread its own session, the key handle found
/// once, every answer checked) through it and, alternately, on SoftHSM in this process.
struct P11KitRPC {
    let token: BenchToken
    let seconds: Double
    /// A scratch directory (the server's log, and its socket when the path is short enough).
    let directory: String
    let progress: @Sendable (String) -> Void

    /// Where Debian (`/usr/lib/<triplet>/pkcs11`) and other distributions install the client module.
    static var clientModuleCandidates: [String] {
        let triplets = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")) ?? []).filter {
            $0.hasSuffix("-linux-gnu")
        }
        return triplets.sorted().map { "/usr/lib/\($0)/pkcs11/p11-kit-client.so" }
            + ["/usr/lib64/pkcs11/p11-kit-client.so", "/usr/lib/pkcs11/p11-kit-client.so"]
    }

    func measure(payload: Int, threadCounts: [Int]) async throws -> P11KitResult {
        let mechanism = Mechanism.aesECB
        var result = P11KitResult(
            mechanism: mechanism.description, payload: payload, serverCommand: "",
            version: Subprocess.output("dpkg-query", ["-W", "-f=${Version}", "p11-kit"]), rpc: [], inProcess: [], skipped: nil)
        let threadNames = threadCounts.map { $0 == 1 ? "1 thread" : "\($0) threads" }.joined(separator: " and ")
        progress(
            "p11-kit RPC: \(mechanism) \(Format.bytes(payload)) through p11-kit server + p11-kit-client.so, and in-process, \(threadNames)"
        )
        func skip(_ reason: String) -> P11KitResult {
            progress("  skipped: \(reason)")
            result.skipped = reason
            return result
        }
        guard payload.isMultiple(of: 16) else { return skip("\(Format.bytes(payload)) is not whole 16-byte AES blocks (ECB)") }
        guard let executable = Subprocess.resolve("p11-kit") else {
            return skip("p11-kit not found in PATH (Debian: apt-get install p11-kit)")
        }
        guard let client = Self.clientModuleCandidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            return skip(
                "p11-kit-client.so not found in \(Self.clientModuleCandidates.joined(separator: ", ")) (Debian: apt-get install p11-kit-modules)"
            )
        }
        // A socket address holds 107 bytes.
        let socket = directory.utf8.count < 90 ? "\(directory)/p11-kit.sock" : "/tmp/ssm-bench-p11kit-\(getpid()).sock"
        let environment = ProcessInfo.processInfo.environment.merging(["SOFTHSM2_CONF": token.configurationPath]) { $1 }
        let token = self.token
        let seconds = self.seconds
        let logPath = "\(directory)/p11-kit-server.log"
        let measured = try await onOwnThread {
            () throws -> Swift.Result<(String, [RawResult], [RawResult]), P11KitServer.StartFailure> in
            let server: P11KitServer
            do {
                server = try P11KitServer(
                    executable: executable, module: token.modulePath, tokenLabel: token.label, socketPath: socket,
                    environment: environment, logPath: logPath)
            } catch let failure as P11KitServer.StartFailure {
                return .failure(failure)
            }
            // Stopped after the client module is finalized (its connection closed), also on errors.
            defer { server.stop() }
            setenv("SOFTHSM2_CONF", token.configurationPath, 1)
            setenv("P11_KIT_SERVER_ADDRESS", server.address, 1)
            defer { unsetenv("P11_KIT_SERVER_ADDRESS") }
            do {
                return try token.withKey(modulePath: token.modulePath) { local, localSlot, localKey in
                    try token.withKey(modulePath: client) { remote, remoteSlot, remoteKey in
                        var rpc: [RawResult] = []
                        var inProcess: [RawResult] = []
                        for threads in threadCounts {
                            inProcess.append(
                                try RawCeiling.run(
                                    module: local, slot: localSlot, key: localKey, mechanism: mechanism, payload: payload,
                                    threads: threads, seconds: seconds))
                            rpc.append(
                                try RawCeiling.run(
                                    module: remote, slot: remoteSlot, key: remoteKey, mechanism: mechanism, payload: payload,
                                    threads: threads, seconds: seconds))
                        }
                        return .success((server.commandLine, rpc, inProcess))
                    }
                }
            } catch {
                throw BenchError("p11-kit RPC: \(error)\np11-kit server log:\n\(server.log())")
            }
        }
        switch measured {
        case .failure(let failure):
            return skip(failure.description)
        case .success(let (command, rpc, inProcess)):
            result.serverCommand = command
            result.rpc = rpc
            result.inProcess = inProcess
        }
        for (remote, local) in zip(result.rpc, result.inProcess) {
            progress(
                "  \(remote.threads == 1 ? "1 thread" : "\(remote.threads) threads"): RPC \(Format.rate(remote.operationsPerSecond)) ops/s, "
                    + "in-process \(Format.rate(local.operationsPerSecond)) ops/s")
        }
        return result
    }
}
