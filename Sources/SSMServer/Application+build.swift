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
    let keys = KeyService(hsm: hsm, keyCacheTTL: configuration.hsm.keyCacheTTL, logger: logger)
    let router = buildRouter(hsm: hsm, keys: keys, bodyLimit: configuration.bodyLimit, logger: logger)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ssm"),
        services: [HSMService(hsm: hsm)],
        onServerRunning: { channel in
            logger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
        },
        logger: logger)
}

/// The router with every route of ssm and its middleware; `logger` writes the request lines.
public func buildRouter(hsm: HSM, keys: KeyService, bodyLimit: Int, logger: Logger) -> Router<SSMRequestContext> {
    let router = Router(context: SSMRequestContext.self)
    let table = RouteTable()
    router.add(middleware: RequestMiddleware(routes: table, logger: logger))
    let routes = RouteRegistrar(router: router, table: table)
    SystemController(hsm: hsm).addRoutes(to: routes)
    CryptoController(keys: keys, bodyLimit: bodyLimit).addRoutes(to: routes)
    KeyController(keys: keys, bodyLimit: bodyLimit).addRoutes(to: routes)
    return router
}
