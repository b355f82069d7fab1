import Foundation
import PKCS11
import SoftHSMSetup

/// The SoftHSM token the bench works on, in a ``SoftHSMDirectory`` laid out (with the token) when
/// missing, with SSM's AES-256 key `KEY_ENCRYPTION_AES256` id 1.
public struct BenchToken: Sendable {
    /// PKCS#11 module path.
    public var modulePath: String
    /// The token directory.
    public var directory: String
    /// The token label.
    public var label: String
    /// The user PIN.
    public var pin: String
    /// Whether the bench created `directory` and removes it at the end.
    public var temporary: Bool

    /// The key every crypto measurement uses (algorithm 1, AES-256-CBC).
    public static let keyLabel = "KEY_ENCRYPTION_AES256"

    /// `SOFTHSM2_CONF` for this token.
    public var configurationPath: String { directory + "/softhsm2.conf" }

    /// Uses the token `label` in `directory`, laying out the directory (``SoftHSMDirectory``) and
    /// creating the token when missing; a nil `directory` is a new temporary one.
    public static func prepare(directory: String?, label: String, pin: String, modulePath: String) async throws -> BenchToken {
        let temporary = directory == nil
        let path = try directory ?? BenchFiles.makeTemporaryDirectory("ssm-bench-token")
        let layout = try SoftHSMDirectory.prepare(path)
        // In this process, as the raw ceiling uses the token; on a thread of its own (blocking calls).
        try await onOwnThread {
            let module = try layout.loadModule(modulePath)
            defer { module.finalize() }
            try layout.ensureToken(label: label, pin: Array(pin.utf8), soPIN: { try layout.newSecurityOfficerPIN() }, in: module)
        }
        return BenchToken(modulePath: modulePath, directory: layout.path, label: label, pin: pin, temporary: temporary)
    }

    /// The environment for `ssm` child processes on this token (`SSM_*` variables of the
    /// caller's environment are dropped, so only the bench's settings apply).
    public func serverEnvironment(_ settings: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SSM_") }
        environment["SOFTHSM2_CONF"] = configurationPath
        environment["SSM_PKCS11_MODULE_PATH"] = modulePath
        environment["SSM_PKCS11_TOKEN_LABEL"] = label
        environment["SSM_PKCS11_PIN"] = pin
        environment.merge(settings) { _, new in new }
        return environment
    }

    /// Generates the bench key with `ssm keys generate` (the daemon's own code path) unless present.
    public func ensureKey(ssm: String) throws {
        let result = try Subprocess.run(
            ssm, ["keys", "generate", "--type", "aes256", "--id", "1", "--if-missing"],
            environment: serverEnvironment(["SSM_LOG_LEVEL": "error"]))
        guard result.status == 0 else { throw BenchError("ssm keys generate failed: \(result.output)") }
    }

    /// Removes the directory if the bench created it.
    public func removeIfTemporary() {
        if temporary { try? FileManager.default.removeItem(atPath: directory) }
    }
}
