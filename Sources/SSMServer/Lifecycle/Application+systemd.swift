import Hummingbird
import Logging
import NIOCore
import SSMCore
import ServiceLifecycle
import UnixSignals

/// The service group `ssm serve` runs: the application and, when systemd supervises the
/// daemon, a ``SystemdNotifyService`` after it (so it is the first to hear of a shutdown).
/// Graceful shutdown on `gracefulShutdownSignals` (none in tests: call
/// `triggerGracefulShutdown()`), cancelled after `maximumGracefulShutdownDuration` when given.
public func makeServiceGroup(
    application: some ApplicationProtocol, notifier: SystemdNotifier?, logger: Logger,
    gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint], maximumGracefulShutdownDuration: Duration? = nil
) -> ServiceGroup {
    var services: [any Service] = [application]
    if let notifier {
        services.append(SystemdNotifyService(notifier: notifier, logger: logger))
    }
    var configuration = ServiceGroupConfiguration(
        services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)
    configuration.maximumGracefulShutdownDuration = maximumGracefulShutdownDuration
    return ServiceGroup(configuration: configuration)
}

/// Sends `READY=1` when the HSM's login holds (the listener is bound: this runs from
/// `onServerRunning`); otherwise only a status, so systemd's start timeout fails the unit.
func notifyReady(_ notifier: SystemdNotifier, hsm: HSM, address: SocketAddress?, logger: Logger) async {
    let ready = await hsm.isReady()
    let messages: [SystemdNotifier.Message] =
        ready
        ? [.ready, .status("serving on \(address?.description ?? "?"), token '\(hsm.token.label)'")]
        : [.status("listening, but not logged in to token '\(hsm.token.label)'")]
    do {
        try notifier.send(messages)
    } catch {
        logger.warning("cannot notify systemd", metadata: ["socket": "\(notifier.socketPath)", "error": "\(error)"])
    }
    if !ready { logger.error("not logged in to the token after start-up; not reporting ready to systemd") }
}
