import Foundation
import SSMCore
import SSMServer
import Testing

@Suite("Configuration: YAML, environment overrides, one-line errors")
struct ConfigurationTests {
    static let example = """
        server:
          address: "127.0.0.1:8080"
        pkcs11:
          modulePath: /usr/lib/softhsm/libsofthsm2.so
          tokenLabel: ssm
          pin: "1234"
        pool:
          maxSize: 10
          minSize: 2
          idleTimeout: 5m
          maxLifetime: 30m
          acquireTimeout: 5s
        """

    func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ yaml: String, environment: [String: String] = [:]) async throws -> AppConfiguration {
        let path = try write(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await AppConfiguration.load(path: path, environment: environment)
    }

    func expectError(_ yaml: String, environment: [String: String] = [:], _ expected: String) async {
        do {
            _ = try await load(yaml, environment: environment)
            Issue.record("expected \(expected)")
        } catch {
            #expect("\(error)" == expected)
        }
    }

    @Test("the issue's example reads exactly as written")
    func example() async throws {
        let configuration = try await load(Self.example)
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080)
        #expect(configuration.hsm.modulePath == "/usr/lib/softhsm/libsofthsm2.so")
        #expect(configuration.hsm.token == .label("ssm"))
        #expect(configuration.hsm.pin == Array("1234".utf8))
        let pool = configuration.hsm.pool
        #expect(pool.maxSize == 10 && pool.minSize == 2)
        #expect(pool.idleTimeout == .seconds(300) && pool.maxLifetime == .seconds(1800) && pool.acquireTimeout == .seconds(5))
        #expect(configuration.bodyLimit == 1 << 20)
    }

    @Test("the shipped config/ssm.yaml is valid")
    func shippedExample() async throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/ssm.yaml").path
        let configuration = try await AppConfiguration.load(path: path, environment: [:])
        #expect(configuration.hsm.token == .label("ssm"))
    }

    @Test("environment variables override the file; SSM_PKCS11_PIN wins over pin and pinFile")
    func environment() async throws {
        let configuration = try await load(
            Self.example.replacingOccurrences(of: "  pin: \"1234\"", with: "  pin: \"1234\"\n  pinFile: /nonexistent"),
            environment: [
                "SSM_POOL_MAX_SIZE": "3", "SSM_POOL_MIN_SIZE": "1", "SSM_SERVER_ADDRESS": "[::1]:9000",
                "SSM_PKCS11_PIN": "env-pin", "SSM_POOL_ACQUIRE_TIMEOUT": "250ms",
            ])
        #expect(configuration.hsm.pool.maxSize == 3)
        #expect(configuration.hsm.pool.acquireTimeout == .milliseconds(250))
        #expect(configuration.host == "::1" && configuration.port == 9000)
        #expect(configuration.hsm.pin == Array("env-pin".utf8))
    }

    @Test("the PIN can come from a file (trailing newline dropped)")
    func pinFile() async throws {
        let pinPath = try write("from-file\n")
        defer { try? FileManager.default.removeItem(atPath: pinPath) }
        let yaml = "pkcs11:\n  slot: 7\n  pinFile: \(pinPath)\n"
        let configuration = try await load(yaml)
        #expect(configuration.hsm.pin == Array("from-file".utf8))
        #expect(configuration.hsm.token == .slot(7))
    }

    @Test("bad or missing values name the key, never the PIN")
    func errors() async {
        await expectError(
            Self.example, environment: ["SSM_POOL_MAX_SIZE": "ten"],
            "configuration error: pool.maxSize: must be an integer, got 'ten'")
        await expectError(
            Self.example, environment: ["SSM_POOL_IDLE_TIMEOUT": "5 minutes"],
            "configuration error: pool.idleTimeout: must be a duration such as 250ms, 5s, 5m or 1h, got '5 minutes'")
        await expectError(
            Self.example, environment: ["SSM_POOL_MIN_SIZE": "11"],
            "configuration error: pool.minSize: must not exceed pool.maxSize (10), got 11")
        await expectError(
            Self.example, environment: ["SSM_SERVER_ADDRESS": "localhost"],
            "configuration error: server.address: must be host:port, got 'localhost'")
        await expectError(
            "pkcs11:\n  pin: \"1234\"\n",
            "configuration error: pkcs11.tokenLabel: missing: set one of pkcs11.tokenLabel, pkcs11.slot or pkcs11.tokenSerial")
        await expectError(
            "pkcs11:\n  tokenLabel: a\n  slot: 1\n  pin: \"1234\"\n",
            "configuration error: pkcs11.tokenLabel: set only one of pkcs11.tokenLabel, pkcs11.slot and pkcs11.tokenSerial")
        await expectError(
            "pkcs11:\n  tokenLabel: a\n",
            "configuration error: pkcs11.pin: missing: set pkcs11.pin, pkcs11.pinFile, SSM_PKCS11_PIN or the systemd credential 'pin'")
        await expectError(
            Self.example, environment: ["SSM_LOG_LEVEL": "loud"],
            "configuration error: log.level: must be one of trace, debug, info, notice, warning, error, critical, got 'loud'")
    }

    @Test("overload, session-health, recovery and shutdown settings: defaults, values and errors")
    func resilienceSettings() async throws {
        let defaults = try await load(Self.example)
        #expect(defaults.hsm.pool.maxWaiters == 1024 && defaults.hsm.pool.overflow == .wait)
        #expect(defaults.hsm.pool.maxOverflow == 10 && defaults.hsm.pool.checkAfterIdle == .seconds(30))
        #expect(defaults.hsm.recovery == RecoveryConfiguration())
        #expect(defaults.shutdownTimeout == .seconds(30))
        let set = try await load(
            Self.example,
            environment: [
                "SSM_POOL_MAX_WAITERS": "50", "SSM_POOL_OVERFLOW": "overflow", "SSM_POOL_MAX_OVERFLOW": "3",
                "SSM_POOL_CHECK_AFTER_IDLE": "off", "SSM_PKCS11_HEALTH_CHECK_INTERVAL": "2s",
                "SSM_PKCS11_RETRY_INTERVAL": "20ms", "SSM_PKCS11_MAX_RETRY_INTERVAL": "2s",
                "SSM_SERVER_SHUTDOWN_TIMEOUT": "5s",
            ])
        #expect(set.hsm.pool.maxWaiters == 50 && set.hsm.pool.overflow == .overflow && set.hsm.pool.maxOverflow == 3)
        #expect(set.hsm.pool.checkAfterIdle == nil)
        #expect(
            set.hsm.recovery
                == RecoveryConfiguration(
                    healthCheckInterval: .seconds(2), retryInterval: .milliseconds(20), maxRetryInterval: .seconds(2)))
        #expect(set.shutdownTimeout == .seconds(5))
        await expectError(
            Self.example, environment: ["SSM_POOL_OVERFLOW": "spill"],
            "configuration error: pool.overflow: must be one of wait, fail, overflow, got 'spill'")
        await expectError(
            Self.example, environment: ["SSM_PKCS11_RETRY_INTERVAL": "2s", "SSM_PKCS11_MAX_RETRY_INTERVAL": "1s"],
            "configuration error: pkcs11.maxRetryInterval: must not be shorter than pkcs11.retryInterval")
    }

    @Test("no description or dump of a configuration shows the PIN, as text or as bytes")
    func pinNeverDescribed() async throws {
        let configuration = try await load(Self.example, environment: ["SSM_PKCS11_PIN": "s3cr3t-pin"])
        let bytes = "\(Array("s3cr3t-pin".utf8))".dropFirst().dropLast()  // "115, 51, ..."
        for text in ["\(configuration)", String(reflecting: configuration), "\(configuration.hsm)"] {
            #expect(!text.contains("s3cr3t-pin") && !text.contains(bytes), "\(text)")
            #expect(text.contains("<redacted>"))
        }
    }

    @Test("a YAML syntax error on the PIN's line names the position, never the PIN")
    func yamlErrorHidesPIN() async throws {
        let path = try write("pkcs11:\n  tokenLabel: ssm\n  pin: s3cret-pin: x\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try await AppConfiguration.load(path: path, environment: [:])
            Issue.record("expected an error")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("configuration error: --config: '\(path)' is not valid YAML: 3:"))
            #expect(!message.contains("s3cret"))
            #expect(!message.contains("\n"))
        }
    }

    @Test("a missing config file is one clear error")
    func missingFile() async {
        do {
            _ = try await AppConfiguration.load(path: "/nonexistent/ssm.yaml", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "configuration error: --config: cannot read '/nonexistent/ssm.yaml'")
        }
    }
}
