import Logging
import ServiceLifecycle

/// Keeps systemd informed while the daemon runs: `WATCHDOG=1` every ``SystemdNotifier/watchdogInterval``
/// (when `WatchdogSec` is set), and `STOPPING=1` as soon as graceful shutdown begins.
/// `READY=1` comes from the application once the listener is bound and the HSM is logged in
/// (``buildApplication(_:logger:notifier:)``).
///
/// Run it after the application in one `ServiceGroup` (``makeServiceGroup(application:notifier:logger:gracefulShutdownSignals:)``):
/// the group stops services in reverse order, so this one hears of the shutdown first and
/// `STOPPING=1` goes out before the server drains.
public struct SystemdNotifyService: Service {
    /// Where the messages go.
    public let notifier: SystemdNotifier
    private let logger: Logger

    /// Creates the service.
    public init(notifier: SystemdNotifier, logger: Logger) {
        self.notifier = notifier
        self.logger = logger
    }

    /// Sends keep-alives until graceful shutdown or cancellation, then `STOPPING=1`.
    public func run() async {
        if let interval = notifier.watchdogInterval {
            logger.debug("systemd watchdog enabled", metadata: ["interval": "\(interval)"])
            try? await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    send(.watchdog)
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        send(.stopping, .status("stopping"))
    }

    private func send(_ messages: SystemdNotifier.Message...) {
        do {
            try notifier.send(messages)
        } catch {
            logger.warning("cannot notify systemd", metadata: ["socket": "\(notifier.socketPath)", "error": "\(error)"])
        }
    }
}
