import Logging
import SSMCore
import ServiceLifecycle

/// What a protocol served beside HTTP (the Kubernetes KMS plugin) is made from: the same
/// HSM, Transit keys and audit log as the routes.
public struct ApplicationParts: Sendable {
    /// The configuration the daemon started with.
    public let configuration: AppConfiguration
    /// The HSM.
    public let hsm: HSM
    /// The Transit keys (the routes' own service: one cache).
    public let transit: TransitService
    /// The audit log, when configured.
    public let audit: AuditLog?
    /// The daemon's logger.
    public let logger: Logger
}

/// Makes the services of protocols served beside HTTP
/// (``buildApplication(_:logger:reload:logLevel:notifier:additionalServices:)``).
public typealias AdditionalServices = @Sendable (ApplicationParts) async throws -> [any Service]
