import ArgumentParser

/// `ssm`: a secret-manager daemon in front of a PKCS#11 HSM.
@main
struct SSMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssm",
        abstract: "A secret manager in front of a PKCS#11 HSM, with SSM's HTTP API.",
        subcommands: [
            ServeCommand.self, KeysCommand.self, TokenCommand.self, ConfigCommand.self, ClientsCommand.self, AuditCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}
