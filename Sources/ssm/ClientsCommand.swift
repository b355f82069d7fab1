import ArgumentParser
import Foundation
import SSMServer

/// `ssm clients token` and `ssm clients hash-password`: the credentials of `clients:`.
struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "Make client credentials for the configuration's clients: list.",
        subcommands: [Token.self, HashPassword.self]
    )

    /// `ssm clients token`: a new bearer token and its hash.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random bearer token and the tokenSha256 to configure (only the hash is stored).")

        func run() async throws {
            let (token, hash) = Credentials.newToken()
            print("token: \(token)")
            print("tokenSha256: \(hash)")
        }
    }

    /// `ssm clients hash-password`: bcrypt of a password read from standard input.
    struct HashPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-password",
            abstract: "Read a password from standard input and print its bcrypt hash for passwordHash.")

        @Option(help: "bcrypt cost (10-14: what `ssm serve` accepts).")
        var cost = Credentials.defaultPasswordCost

        func run() async throws {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                FileHandle.standardError.write(Data("ssm: no password on standard input\n".utf8))
                throw ExitCode(64)
            }
            let costs = Credentials.passwordCosts
            guard costs.contains(cost) else {
                throw ValidationError("--cost must be between \(costs.lowerBound) and \(costs.upperBound)")
            }
            print(Credentials.hashPassword(line, cost: UInt8(cost)))
        }
    }
}
