import Hummingbird
import Logging
import SSMCore
import ServiceLifecycle

/// Connects to the HSM and builds the HTTP application: routes, middleware, and the HSM as a
/// service started before the server and stopped after it (SIGTERM/SIGINT: the server stops
/// accepting and finishes in-flight requests, then every session is closed and the module
/// finalized).
///
/// - Parameters:
///   - reload: when given, SIGHUP reads the configuration again with it and applies what can
///     change at run time (``ConfigurationReloader``).
///   - logLevel: the control the logging system was bootstrapped with, for reloads to change.
///   - notifier: when started by systemd with `Type=notify`: `READY=1` is sent once the
///     listener is bound and the HSM's login holds; run the result with
///     ``makeServiceGroup(application:notifier:logger:gracefulShutdownSignals:maximumGracefulShutdownDuration:)``
///     for `STOPPING=1` and the watchdog.
public func buildApplication(
    _ configuration: AppConfiguration, logger: Logger,
    reload: (@Sendable () async throws -> AppConfiguration)? = nil, logLevel: LogLevelControl? = nil,
    notifier: SystemdNotifier? = nil
) async throws -> some ApplicationProtocol {
    let hsm = try await HSM.connect(configuration.hsm, logger: logger)
    let metrics = ServerMetrics(circuitState: { hsm.circuit().state })
    let keys = KeyService(hsm: hsm, keyCacheTTL: configuration.hsm.keyCacheTTL, logger: logger, metrics: metrics.keyService)
    let router = buildRouter(
        hsm: hsm, keys: keys, bodyLimit: configuration.bodyLimit, metrics: metrics, v1MaxBatch: configuration.v1MaxBatch)
    var services: [any Service] = [HSMService(hsm: hsm)]
    if let reload {
        services.append(
            ConfigurationReloader(hsm: hsm, started: configuration, logLevel: logLevel, logger: logger, load: reload))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ssm"),
        services: services,
        onServerRunning: { channel in
            logger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
            if let notifier { await notifyReady(notifier, hsm: hsm, address: channel.localAddress, logger: logger) }
        },
        logger: logger)
}

/// The router with every route of ssm and its middleware.
///
/// - Parameters:
///   - metrics: what `GET /metrics` serves; give `keys` the same object's
///     ``ServerMetrics/keyService`` so that its HSM calls are counted there too.
///   - v1MaxBatch: most items of one `/v1` `batch_input`.
public func buildRouter(
    hsm: HSM, keys: KeyService, bodyLimit: Int, metrics: ServerMetrics = ServerMetrics(), v1MaxBatch: Int = 1000
) -> Router<SSMRequestContext> {
    let routes = RouteRegistrar()
    SystemController(hsm: hsm).addRoutes(to: routes)
    ObservabilityController(hsm: hsm, metrics: metrics).addRoutes(to: routes)
    CryptoController(keys: keys, bodyLimit: bodyLimit).addRoutes(to: routes)
    KeyController(keys: keys, bodyLimit: bodyLimit).addRoutes(to: routes)
    let transit = TransitService(keys: keys, maxBatch: v1MaxBatch)
    V1KeysController(transit: transit, bodyLimit: bodyLimit).addRoutes(to: routes)
    V1CryptoController(transit: transit, bodyLimit: bodyLimit).addRoutes(to: routes)
    V1SigningController(transit: transit, bodyLimit: bodyLimit).addRoutes(to: routes)
    let router = Router(context: SSMRequestContext.self)
    router.add(
        middleware: RequestMiddleware(
            routes: RouteTable(routes.routes), metrics: HTTPMetrics(registry: metrics.registry, routes: routes.routes)))
    routes.register(on: router)
    return router
}
