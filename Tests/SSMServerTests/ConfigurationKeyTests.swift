import Foundation
import Logging
import SSMCore
@testable import SSMServer
import Testing

/// Unknown keys stop start-up; typed reads name the key; README's table and config/ssm.yaml
/// show the defaults ssm really uses.
@Suite("Configuration keys: unknown keys, typed values, documented defaults")
struct ConfigurationKeyTests {
    static let base = "pkcs11:\n  tokenLabel: ssm\n  pin: \"s3cr3t-pin\"\n"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func load(_ yaml: String, environment: [String: String] = [:]) async throws -> AppConfiguration {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await AppConfiguration.load(path: path, environment: environment)
    }

    func expectError(
        _ yaml: String, environment: [String: String] = [:], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        do {
            _ = try await load(yaml, environment: environment)
            Issue.record("expected \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect("\(error)" == expected, sourceLocation: sourceLocation)
            #expect(!"\(error)".contains("s3cr3t"), sourceLocation: sourceLocation)
        }
    }

    @Test("a mistyped key in the file stops loading, naming it and the nearest known key")
    func unknownFileKeys() async {
        await expectError(
            Self.base + "pool:\n  maxsize: 3\n", "configuration error: pool.maxsize: unknown key; did you mean pool.maxSize?")
        await expectError(
            Self.base + "audit:\n  flie: /var/log/ssm/audit.jsonl\n",
            "configuration error: audit.flie: unknown key; did you mean audit.file?")
        await expectError(
            Self.base + "pool:\n  maxSize:\n    value: 3\n",
            "configuration error: pool.maxSize.value: unknown key; did you mean pool.maxSize?")
        // A misspelt PIN key: the key is named, never its value.
        await expectError(
            "pkcs11:\n  tokenLabel: ssm\n  pn: \"s3cr3t-pin\"\n",
            "configuration error: pkcs11.pn: unknown key; did you mean pkcs11.pin?")
        await expectError(
            Self.base + "frobnicate: true\n", "configuration error: frobnicate: unknown key")
    }

    @Test("a mistyped SSM_ variable stops loading; other SSM_ names of the scripts are left alone")
    func unknownVariables() async throws {
        await expectError(
            Self.base, environment: ["SSM_POOL_MAXSIZ": "3"],
            "configuration error: SSM_POOL_MAXSIZ: unknown configuration variable; did you mean SSM_POOL_MAX_SIZE (pool.maxSize)?"
        )
        await expectError(
            Self.base, environment: ["SSM_POOL_MAXSIZE": "3"],
            "configuration error: SSM_POOL_MAXSIZE: unknown configuration variable; did you mean SSM_POOL_MAX_SIZE (pool.maxSize)?"
        )
        await expectError(
            Self.base, environment: ["SSM_AUDIT_FLIE": "/tmp/audit"],
            "configuration error: SSM_AUDIT_FLIE: unknown configuration variable; did you mean SSM_AUDIT_FILE (audit.file)?")
        let configuration = try await load(
            Self.base,
            environment: ["SSM_TOKEN_DIR": "/tmp/t", "SSM_INIT_TOKEN": "1", "SSM_BUILD": "debug", "SSM_POOL_MAX_SIZE": "3"])
        #expect(configuration.hsm.pool.maxSize == 3)
    }

    @Test("every key has its SSM_ variable; empty sections are fine")
    func knownKeys() async throws {
        #expect(AppConfiguration.environmentVariable(for: "pool.maxSize") == "SSM_POOL_MAX_SIZE")
        #expect(AppConfiguration.environmentVariable(for: "v1.maxBatch") == "SSM_V1_MAX_BATCH")
        #expect(AppConfiguration.environmentVariable(for: "tls.clientCA") == "SSM_TLS_CLIENT_CA")
        #expect(Set(AppConfiguration.keys).count == AppConfiguration.keys.count)
        // Each key read from its variable (all at once: a key missing from `keys` would be refused).
        var environment: [String: String] = [:]
        for key in AppConfiguration.keys { environment[AppConfiguration.environmentVariable(for: key)] = "" }
        environment["SSM_PKCS11_TOKEN_LABEL"] = "ssm"
        environment["SSM_PKCS11_PIN"] = "1234"
        _ = try await AppConfiguration.load(path: nil, environment: environment)
        _ = try await load(Self.base + "tls:\naudit:\n")
    }

    @Test("typed reads: a value of the wrong type names the key and the value (never the PIN's)")
    func typedValues() async throws {
        await expectError(
            Self.base + "pool:\n  maxSize: ten\n", "configuration error: pool.maxSize: must be an integer, got 'ten'")
        await expectError(
            Self.base + "server:\n  insecure: maybe\n", "configuration error: server.insecure: must be true or false, got 'maybe'"
        )
        await expectError(
            Self.base + "pool:\n  idleTimeout: \"off\"\n",
            "configuration error: pool.idleTimeout: must be a duration such as 250ms, 5s, 5m or 1h, got 'off'")
        await expectError(Self.base + "keys:\n  cacheTTL: 0s\n", "configuration error: keys.cacheTTL: must be greater than zero")
        await expectError(
            Self.base + "tls:\n  clientCertificate: sometimes\n",
            "configuration error: tls.clientCertificate: must be one of required, optional, got 'sometimes'")
        let configuration = try await load(
            Self.base + "server:\n  insecure: yes\n  idleTimeout: \"off\"\nlog:\n  level: DEBUG\npool:\n  overflow: Fail\n")
        #expect(configuration.security.insecure && configuration.security.idleTimeout == nil)
        #expect(configuration.logLevel == .debug && configuration.hsm.pool.overflow == .fail)
        // A PIN of digits only is still text.
        let digits = try await load("pkcs11:\n  tokenLabel: ssm\n  pin: 123456\n")
        #expect(digits.hsm.pin == Array("123456".utf8))
    }

    @Test("pkcs11.adaptive picks the fast lane or the wide pool; its earlier name pkcs11.inline still works")
    func placement() async throws {
        #expect(try await load(Self.base).hsm.placement == .adaptive(threads: 10))
        #expect(try await load(Self.base + "  adaptive: false\n").hsm.placement == .threadPool(threads: 10))
        #expect(try await load(Self.base + "  inline: false\n  threads: 4\n").hsm.placement == .threadPool(threads: 4))
        #expect(try await load(Self.base, environment: ["SSM_PKCS11_ADAPTIVE": "false"]).hsm.placement == .threadPool(threads: 10))
        #expect(try await load(Self.base + "  threads: 0\n").hsm.placement == .callingTask)
    }

    /// The settings of a configuration that sets only the token and the PIN.
    func defaults() async throws -> [String: String] {
        let configuration = try await AppConfiguration.load(
            path: nil, environment: ["SSM_PKCS11_TOKEN_LABEL": "ssm", "SSM_PKCS11_PIN": "1234"])
        return Dictionary(configuration.effectiveSettings.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    @Test("README's configuration table lists every key, its variable and its default")
    func readmeTable() async throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let defaults = try await defaults()
        var documented: Set<String> = []
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let keys = Self.quoted(cells[0])
            guard keys.allSatisfy({ AppConfiguration.keys.contains($0) }) else { continue }
            #expect(Self.quoted(cells[1]) == keys.map(AppConfiguration.environmentVariable(for:)), "\(line)")
            documented.formUnion(keys)
            // A plain default (`10`, `5m`, `info`) is checked; prose and formulas are not.
            let values = Self.quoted(cells[2])
            guard values.count == 1, let value = values.first, cells[2] == "`\(value)`",
                !value.contains(where: { " (,".contains($0) }), !AppConfiguration.keys.contains(value)
            else { continue }
            for key in keys {
                guard let actual = defaults[key] else { continue }
                let same = value == actual || DurationParser.parse(value).map { $0 == DurationParser.parse(actual) } == true
                #expect(same, "README says \(key) defaults to \(value), ssm uses \(actual)")
            }
        }
        #expect(
            documented == Set(AppConfiguration.keys),
            "missing from README: \(Set(AppConfiguration.keys).subtracting(documented).sorted())")
    }

    @Test("the values in config/ssm.yaml are the defaults")
    func shippedFileShowsDefaults() async throws {
        let path = Self.root.appendingPathComponent("config/ssm.yaml").path
        let shipped = try await AppConfiguration.load(path: path, environment: [:])
        let settings = Dictionary(shipped.effectiveSettings.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(settings == (try await defaults()))
    }

    /// The `backquoted` words of a table cell.
    static func quoted(_ cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map {
            String($0.element)
        }
    }

    @Test("a loopback address is decided by the parsed address, not by its text")
    func loopback() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost", "LocalHost"] {
            #expect(AppConfiguration.isLoopback(host), "\(host)")
        }
        for host in ["127.example.com", "127.0.0.1.nip.io", "0.0.0.0", "::", "10.0.0.1", "::ffff:10.0.0.1", "1270.0.0.1", ""] {
            #expect(!AppConfiguration.isLoopback(host), "\(host)")
        }
    }
}
