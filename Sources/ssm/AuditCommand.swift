import ArgumentParser
import Foundation
import SSMServer

/// `ssm audit verify FILE`: checks an audit log's hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit log tools.",
        subcommands: [Verify.self]
    )

    /// `ssm audit verify FILE`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no record of an audit log was edited, removed or reordered.",
            discussion: "Exit status: 0 intact, 1 broken (the first broken record is named), 66 unreadable."
        )

        @Argument(help: "The audit log (audit.file).")
        var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("ssm: cannot read '\(file)'\n".utf8))
                throw ExitCode(66)  // EX_NOINPUT
            }
            do {
                let count = try AuditVerifier.verify(data)
                print("ok: \(count) records, chain intact")
            } catch {
                print("broken: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
