import Foundation

/// `/health-check` from one connection while 32 connections encrypt against an HSM that takes
/// 50 ms per `C_Encrypt` (docs/blocking-calls.md's guarantee, measured: a slow module must not
/// stall the routes that need no HSM).
public struct SlowHSMResult: Sendable, Codable, Hashable {
    /// The delay the fault module adds to every `C_Encrypt`.
    public var delayMilliseconds: Int
    /// Connections encrypting (`/encrypt-pool`, smallest payload).
    public var encryptConnections: Int
    /// Their answers per second (bounded by the pool: sessions / delay).
    public var encryptRequestsPerSecond: Double
    /// Their failed requests.
    public var encryptErrors: Int
    /// `/health-check` at one connection meanwhile: median latency.
    public var healthP50Milliseconds: Double
    /// 99th percentile.
    public var healthP99Milliseconds: Double
    /// Slowest.
    public var healthMaxMilliseconds: Double
    /// `/health-check` answers per second.
    public var healthRequestsPerSecond: Double
    /// Its failed requests.
    public var healthErrors: Int
}

/// Runs ``SlowHSMResult``'s measurement on a server of its own whose PKCS#11 module is the
/// fault-injecting module of Tests/FaultInjection in front of the bench token's module.
struct SlowHSMIsolation {
    static let delayMilliseconds = 50
    static let encryptConnections = 32

    let loader: Wrk
    let token: BenchToken
    let ssm: String
    let faultModule: String
    let directory: String
    let seconds: Int

    func measure(settings: [String: String], encryptBody: String) async throws -> SlowHSMResult {
        let port = try await HTTPConnection.freePort()
        let environment = token.serverEnvironment(
            settings.merging([
                "SSM_SERVER_ADDRESS": "127.0.0.1:\(port)", "SSM_PKCS11_MODULE_PATH": faultModule,
                "FAULTY_PKCS11_TARGET": token.modulePath, "FAULTY_PKCS11_RULES": "C_Encrypt OK delay_ms=\(Self.delayMilliseconds)",
                // The load holds every session for 50 ms at a time: waits are expected, not errors.
                "SSM_POOL_ACQUIRE_TIMEOUT": "30s",
            ]) { $1 })
        let server = try await ServerProcess(ssm: ssm, port: port, environment: environment, logPath: "\(directory)/server-slow-hsm.log")
        do {
            let loader = self.loader
            let seconds = self.seconds
            async let encrypt = loader.run(
                url: "http://127.0.0.1:\(port)/encrypt-pool", connections: Self.encryptConnections, seconds: seconds + 1,
                bodyFile: encryptBody)
            // The encryptions fill the pool first.
            try await Task.sleep(for: .milliseconds(500))
            let health = try await loader.run(url: "http://127.0.0.1:\(port)/health-check", connections: 1, seconds: seconds, bodyFile: nil)
            let load = try await encrypt
            await server.stop()
            let encryptSeconds = load.durationMicroseconds / 1e6
            let healthSeconds = health.durationMicroseconds / 1e6
            return SlowHSMResult(
                delayMilliseconds: Self.delayMilliseconds, encryptConnections: Self.encryptConnections,
                encryptRequestsPerSecond: encryptSeconds > 0 ? Double(load.requests - load.errors) / encryptSeconds : 0,
                encryptErrors: load.errors, healthP50Milliseconds: health.p50Microseconds / 1000,
                healthP99Milliseconds: health.p99Microseconds / 1000, healthMaxMilliseconds: health.maxMicroseconds / 1000,
                healthRequestsPerSecond: healthSeconds > 0 ? Double(health.requests - health.errors) / healthSeconds : 0,
                healthErrors: health.errors)
        } catch {
            await server.stop()
            throw BenchError("\(error)\nserver log:\n\(server.log())")
        }
    }
}
