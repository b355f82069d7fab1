import ArgumentParser
import Foundation
import SSMServer

/// The configuration at `path` (and the environment) for a subcommand: a configuration
/// error is printed as `ssm: …` and ends the command with exit status 78 (EX_CONFIG).
func loadConfiguration(path: String?) async throws -> AppConfiguration {
    do {
        return try await AppConfiguration.load(path: path)
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("ssm: \(error)\n".utf8))
        throw ExitCode(78)  // EX_CONFIG
    }
}
