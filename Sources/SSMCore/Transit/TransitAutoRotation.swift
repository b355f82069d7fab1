import Foundation
import Logging
import ServiceLifecycle

/// Rotates the Transit keys that have an automatic rotation period, on time, as a service of
/// the application's `ServiceGroup` (started after the HSM, stopped before it).
///
/// The periods and creation times live in the token (``TransitKeyMetadata``), so a key due
/// while ssm was stopped is rotated at the first pass after start. A pass reads every key's
/// metadata once; passes run at start, every `scanInterval` (to see periods set by other
/// processes on the token), when the next key falls due, and at once when a period is set
/// through this process. Between passes the service only looks at a clock once a second.
public struct TransitAutoRotation: Service {
    /// The keys.
    public let transit: TransitService
    /// Longest time between two passes.
    public var scanInterval: Duration
    /// Wait after a pass that failed (the HSM unavailable, ...).
    public var retryInterval: Duration

    /// Creates the service.
    public init(transit: TransitService, scanInterval: Duration = .seconds(60), retryInterval: Duration = .seconds(5)) {
        self.transit = transit
        self.scanInterval = scanInterval
        self.retryInterval = retryInterval
    }

    /// Runs passes until graceful shutdown or cancellation.
    public func run() async throws {
        let transit = self.transit
        let scanInterval = self.scanInterval
        let retryInterval = self.retryInterval
        try? await cancelWhenGracefulShutdown {
            var nextScan = ContinuousClock.now
            var nextDue: Date?
            while !Task.isCancelled {
                let noted = transit.takeAutoRotationNote()
                if noted || ContinuousClock.now >= nextScan || nextDue.map({ $0 <= Date() }) == true {
                    do {
                        nextDue = try await transit.rotateDueKeys().nextDue
                        nextScan = ContinuousClock.now + scanInterval
                    } catch {
                        transit.logger.warning(
                            "automatic rotation of Transit keys failed; retrying",
                            metadata: ["error": "\(SSMError(classifying: error)?.description ?? "internal error")"])
                        nextDue = nil
                        nextScan = ContinuousClock.now + retryInterval
                    }
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
