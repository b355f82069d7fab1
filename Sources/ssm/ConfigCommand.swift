import ArgumentParser
import Foundation
import Logging
import SSMCore
import SSMServer

/// `ssm config check`: validates a configuration without starting the daemon.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check configuration files.",
        subcommands: [Check.self]
    )

    /// `ssm config check [--config PATH] [--connect]`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration (file and SSM_* environment) and print the effective settings.",
            discussion: """
                The PIN is never printed; warnings (as ssm serve would log them) go to standard error. \
                Exit status: 0 valid, 78 invalid (the error names the key), \
                69 with --connect when the token cannot be reached or the login fails.
                """
        )

        @Option(name: .shortAndLong, help: "YAML configuration file (see config/ssm.yaml).")
        var config: String?

        @Flag(help: "Also load the PKCS#11 module, find the token and log in (then log out).")
        var connect = false

        func run() async throws {
            var configuration = try await loadConfiguration(path: config)
            defer { configuration.hsm.pin.zeroize() }
            for (key, value) in configuration.effectiveSettings {
                print("\(key): \(value)")
            }
            for warning in configuration.warnings {
                FileHandle.standardError.write(Data("ssm: warning: \(warning)\n".utf8))
            }
            guard connect else { return }
            configuration.hsm.pool.minSize = 0
            let logger = Logger(label: "ssm", factory: { _ in SwiftLogNoOpLogHandler() })
            do {
                let hsm = try await HSM.connect(configuration.hsm, logger: logger)
                let token = hsm.token
                await hsm.shutdown()
                print("connected: token '\(token.label)' (serial \(token.serialNumber), slot \(token.slot)), logged in")
            } catch {
                FileHandle.standardError.write(Data("ssm: cannot connect: \(error)\n".utf8))
                throw ExitCode(69)  // EX_UNAVAILABLE
            }
        }
    }
}
