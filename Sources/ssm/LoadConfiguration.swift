import ArgumentParser
import Foundation
import SSMServer

/// The configuration at `path` (and the environment) for a subcommand: a configuration
/// error is printed as `ssm: …` and ends the command with exit status 78 (EX_CONFIG).
/// `servingHTTP: false` for commands that open no listener (the address is not checked).
func loadConfiguration(path: String?, servingHTTP: Bool = true) async throws -> AppConfiguration {
    do {
        return try await AppConfiguration.load(path: path, servingHTTP: servingHTTP)
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("ssm: \(error)\n".utf8))
        throw ExitCode(78)  // EX_CONFIG
    }
}
