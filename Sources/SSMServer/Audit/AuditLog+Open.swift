import Logging
import SSMCore

extension AuditLog {
    /// Opens the audit log of `ssm serve`: makes sure its sealing key is in the HSM (created
    /// at the first start, under the key's identity claim), opens and locks the file, reports
    /// a torn last line, and writes the start seal (which names that line, and covers the
    /// records a crash left unsealed).
    static func open(_ settings: AuditSettings, keys: InternalKeys, logger: Logger) async throws -> AuditLog {
        try await keys.ensureHMACKey(name: keyName)
        let log = try AuditLog(settings, mac: hsmMAC(keys))
        if let line = log.tornLine {
            logger.warning(
                "the audit log's last line is torn (a crash during a write); the start seal names it and the chain continues after it",
                metadata: ["file": "\(settings.file)", "line": "\(line)"])
        }
        try await log.seal()
        return log
    }

    /// The seals' HMAC: HMAC-SHA256 with the internal key ``keyName``, computed in the HSM.
    public static func hsmMAC(_ keys: InternalKeys) -> AuditMAC {
        { message in try await keys.hmac(name: keyName, data: message) }
    }
}
