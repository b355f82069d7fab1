import Hummingbird
import Logging
import SSMCore
import ServiceLifecycle

/// Connects to the HSM and builds the HTTP application: routes, middleware, and the HSM as a
/// service started before the server and stopped after it (SIGTERM/SIGINT: the server stops
/// accepting and finishes in-flight requests, then every session is closed and the module
/// finalized).
public func buildApplication(_ configuration: AppConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    let hsm = try await HSM.connect(configuration.hsm, logger: logger)
    // The HSM's circuit breaker is not wired in yet: `ssm_hsm_circuit_state` reports closed.
    let metrics = ServerMetrics(circuitState: { .closed })
    let keys = KeyService(hsm: hsm, keyCacheTTL: configuration.hsm.keyCacheTTL, logger: logger, metrics: metrics.keyService)
    let router = buildRouter(hsm: hsm, keys: keys, bodyLimit: configuration.bodyLimit, metrics: metrics)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ssm"),
        services: [HSMService(hsm: hsm)],
        onServerRunning: { channel in
            logger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
        },
        logger: logger)
}

/// The router with every route of ssm and its middleware.
///
/// - Parameter metrics: what `GET /metrics` serves; give `keys` the same object's
///   ``ServerMetrics/keyService`` so that its HSM calls are counted there too.
public func buildRouter(
    hsm: HSM, keys: KeyService, bodyLimit: Int, metrics: ServerMetrics = ServerMetrics()
) -> Router<SSMRequestContext> {
    let routes = RouteRegistrar()
    SystemController(hsm: hsm).addRoutes(to: routes)
    ObservabilityController(hsm: hsm, metrics: metrics).addRoutes(to: routes)
    CryptoController(keys: keys, bodyLimit: bodyLimit).addRoutes(to: routes)
    KeyController(keys: keys, bodyLimit: bodyLimit).addRoutes(to: routes)
    let router = Router(context: SSMRequestContext.self)
    router.add(
        middleware: RequestMiddleware(
            routes: RouteTable(routes.routes), metrics: HTTPMetrics(registry: metrics.registry, routes: routes.routes)))
    routes.register(on: router)
    return router
}
