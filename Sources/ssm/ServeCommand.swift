import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SSMCore
import SSMServer
import ServiceLifecycle
import UnixSignals

/// `ssm serve --config PATH`: runs the HTTP daemon until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP daemon.",
        discussion: """
            Every configuration key can be overridden by an environment variable: SSM_ followed by \
            the key in upper snake case (pool.maxSize -> SSM_POOL_MAX_SIZE, pkcs11.pin -> SSM_PKCS11_PIN). \
            A key ssm does not know, in the file or as an SSM_ variable, stops start-up (exit status 78).
            """
    )

    @Option(name: .shortAndLong, help: "YAML configuration file (see config/ssm.yaml).")
    var config: String?

    func run() async throws {
        var configuration = try await loadConfiguration(path: config)
        let logLevel = LogLevelControl(configuration.logLevel)
        let format = configuration.logFormat
        LoggingSystem.bootstrap { label in logLevel.wrap(format.makeHandler(label: label, level: .trace)) }
        let logger = Logger(label: "ssm")
        for warning in configuration.warnings { logger.warning("\(warning)") }
        // Files ssm creates (audit log, Unix sockets) are its user's alone.
        umask(0o077)
        let path = config
        let notifier = SystemdNotifier()  // nil unless started by systemd with Type=notify
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(
                configuration, logger: logger, reload: { try await AppConfiguration.load(path: path) }, logLevel: logLevel,
                notifier: notifier, additionalServices: kmsPluginServices)
            configuration.hsm.pin.zeroize()
        } catch {
            configuration.hsm.pin.zeroize()
            FileHandle.standardError.write(Data("ssm: cannot start: \(error)\n".utf8))
            throw ExitCode(69)  // EX_UNAVAILABLE
        }
        // SIGTERM/SIGINT: stop accepting, let in-flight requests finish for at most
        // server.shutdownTimeout (then cancel them), then close the sessions and finalize.
        // Under systemd, a notifier service after the application says STOPPING=1 first.
        try await makeServiceGroup(
            application: app, notifier: notifier, logger: logger,
            maximumGracefulShutdownDuration: configuration.shutdownTimeout
        ).run()
    }
}
