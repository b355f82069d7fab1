import ArgumentParser
import Foundation
import SSMCore
import SSMServer

/// `ssm audit verify FILE...`: checks an audit log's hash chain and its HSM seals.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit log tools.",
        subcommands: [Verify.self]
    )

    /// `ssm audit verify [--config FILE] [--live] FILE...`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no record of an audit log was edited, removed, inserted or reordered.",
            discussion: """
                Needs the HSM (the same configuration as serve): every seal's HMAC is recomputed \
                there with the key ssm-internal/audit. Give rotated files oldest first \
                (audit.jsonl.1 audit.jsonl) to check the links between them. \
                Exit status: 0 intact, 1 broken (the first broken record is named), 66 unreadable, \
                69 no HSM.
                """
        )

        @Option(name: .shortAndLong, help: "YAML configuration file (for the HSM).")
        var config: String?

        @Flag(help: "Accept records after the last seal (a running daemon's newest records, sealed within audit.sealInterval).")
        var live = false

        @Argument(help: "The audit log (audit.file), after the files rotated before it, oldest first.")
        var files: [String]

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one audit log") }
        }

        func run() async throws {
            var contents: [(name: String, data: Data)] = []
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("ssm: cannot read '\(file)'\n".utf8))
                    throw ExitCode(66)  // EX_NOINPUT
                }
                contents.append((file, data))
            }
            var outcome: Result<AuditVerifier.Summary, AuditError>?
            try await withKeyService(config: config) { keys in
                do {
                    outcome = .success(
                        try await AuditVerifier.verify(contents, mac: AuditLog.hsmMAC(InternalKeys(store: keys.store))))
                } catch let error as AuditError {
                    outcome = .failure(error)
                }
            }
            switch outcome {
            case .failure(let error):
                print("broken: \(error)")
                throw ExitCode(1)
            case .success(let summary) where summary.unsealed > 0 && !live:
                print(
                    "broken: the last \(summary.unsealed) records are not sealed (a running daemon seals within audit.sealInterval and at stop; --live accepts them)"
                )
                throw ExitCode(1)
            case .success(let summary):
                var notes: [String] = []
                if summary.torn > 0 { notes.append("\(summary.torn) torn line(s) named by their seals") }
                if summary.unsealed > 0 { notes.append("\(summary.unsealed) newest records not sealed yet") }
                if summary.continuesFrom != nil { notes.append("continues an earlier file") }
                print(
                    "ok: \(summary.records) records, chain intact, \(summary.seals) seals"
                        + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))"))
            case nil:
                throw ExitCode.failure
            }
        }
    }
}
