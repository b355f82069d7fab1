import Foundation
@testable import SSMServer
import Testing

/// `kms.*`: off without `kms.socket`, checked before anything starts, restart-only on SIGHUP.
@Suite("Configuration of the KMS v2 plugin (kms.*)")
struct KMSConfigurationTests {
    static let base = ["SSM_PKCS11_TOKEN_LABEL": "ssm", "SSM_PKCS11_PIN": "1234"]

    func load(_ variables: [String: String]) async throws -> AppConfiguration {
        try await AppConfiguration.load(path: nil, environment: Self.base.merging(variables) { $1 })
    }

    func expectError(_ variables: [String: String], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await load(variables)
            Issue.record("expected \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect("\(error)" == "configuration error: \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test("off by default; on with kms.socket, with the default key, mode 0600 unless a group is named")
    func values() async throws {
        #expect(try await load([:]).kms == nil)
        let on = try await load(["SSM_KMS_SOCKET": "/run/ssm-kms/kms.sock"])
        #expect(on.kms == KMSSettings(socket: "/run/ssm-kms/kms.sock", key: "kubernetes-kms", socketGroup: nil))
        let all = try await load(["SSM_KMS_SOCKET": "/run/k.sock", "SSM_KMS_KEY": "cluster-kek", "SSM_KMS_SOCKET_GROUP": "kube"])
        #expect(all.kms == KMSSettings(socket: "/run/k.sock", key: "cluster-kek", socketGroup: "kube"))
        let settings = Dictionary(all.effectiveSettings.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(
            settings["kms.socket"] == "/run/k.sock" && settings["kms.key"] == "cluster-kek"
                && settings["kms.socketGroup"] == "kube")
    }

    @Test("bad values stop loading, naming the key")
    func refusals() async {
        await expectError(["SSM_KMS_SOCKET": "kms.sock"], "kms.socket: must be the absolute path of a file, got 'kms.sock'")
        await expectError(["SSM_KMS_SOCKET": "/run/ssm/"], "kms.socket: must be the absolute path of a file, got '/run/ssm/'")
        let long = "/" + String(repeating: "a", count: 107)
        await expectError(["SSM_KMS_SOCKET": long], "kms.socket: must be at most 107 bytes long, got 108")
        await expectError(
            ["SSM_KMS_SOCKET": "/run/k.sock", "SSM_KMS_KEY": "a/b"],
            "kms.key: must be a Transit key name (1 to 64 of A-Z a-z 0-9 _ . -), got 'a/b'")
        await expectError(
            ["SSM_KMS_SOCKET": "/run/k.sock", "SSM_KMS_SOCKET_GROUP": "a b"],
            "kms.socketGroup: must be a group name or number, got 'a b'")
        await expectError(["SSM_KMS_KEY": "cluster-kek"], "kms.key: needs kms.socket (the plugin is off without it)")
        await expectError(["SSM_KMS_SOCKET_GROUP": "kube"], "kms.socketGroup: needs kms.socket (the plugin is off without it)")
        await expectError(
            ["SSM_KMS_SOCKT": "/run/k.sock"],
            "SSM_KMS_SOCKT: unknown configuration variable; did you mean SSM_KMS_SOCKET (kms.socket)?")
    }
}
