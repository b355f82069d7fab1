import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
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
///   - additionalServices: the services of protocols served beside HTTP (the KMS plugin), made
///     from the same HSM, Transit keys and audit log; they start after the HSM and the audit
///     log and stop before them. An error stops start-up.
public func buildApplication(
    _ configuration: AppConfiguration, logger: Logger,
    reload: (@Sendable () async throws -> AppConfiguration)? = nil, logLevel: LogLevelControl? = nil,
    notifier: SystemdNotifier? = nil, additionalServices: AdditionalServices? = nil
) async throws -> some ApplicationProtocol {
    let security = configuration.security
    let hsm = try await HSM.connect(configuration.hsm, logger: logger)
    let metrics = ServerMetrics(
        circuitState: { hsm.circuit().state }, loginStatus: { hsm.loginStatus() }, fastLane: { hsm.fastLane() })
    let keys = KeyService(hsm: hsm, keyCacheTTL: configuration.hsm.keyCacheTTL, logger: logger, metrics: metrics.keyService)
    var audit: AuditLog?
    if let settings = security.audit {
        audit = try await AuditLog.open(settings, keys: InternalKeys(store: keys.store), logger: logger)
    }
    // Login JWTs only when a client can log in: the signing key is created in the token then.
    let jwt =
        security.clients.clients.contains { $0.passwordHash != nil }
        ? try await JWTService(keys: InternalKeys(store: keys.store), settings: security.login, logger: logger) : nil
    // One TransitService for the routes and the other protocols: one cache, so that a rotation
    // through either shows at once in the other (and one by another process within keys.cacheTTL).
    let transit = TransitService(
        store: keys.store, maxBatch: configuration.v1MaxBatch, cacheTTL: configuration.hsm.keyCacheTTL)
    let router = buildRouter(
        hsm: hsm, keys: keys, bodyLimit: configuration.bodyLimit, metrics: metrics, transit: transit,
        transitSettings: configuration.transit, security: security, audit: audit, jwt: jwt)
    if let tls = security.tls, let notAfter = TLSFactory.certificateNotAfter(tls.certificate) {
        metrics.observeCertificate(notAfter: notAfter)
    }
    var services: [any Service] = [HSMService(hsm: hsm), TransitAutoRotation(transit: transit)]
    if let audit {
        metrics.observe(audit)
        services.append(AuditService(log: audit, logger: logger))
    }
    if let additionalServices {
        services += try await additionalServices(
            ApplicationParts(configuration: configuration, hsm: hsm, transit: transit, audit: audit, logger: logger))
    }
    if let reload {
        services.append(
            ConfigurationReloader(
                hsm: hsm, started: configuration, logLevel: logLevel, logger: logger, audit: audit, load: reload))
    }
    let responder = router.buildResponder()
    if let socket = security.unixSocket {
        // A second listener on the same routes; the socket file is created with mode 0600
        // (`ssm serve` runs with umask 077).
        services.append(
            Application(
                responder: responder,
                server: try serverBuilder(security, tls: false),
                configuration: .init(
                    address: .unixDomainSocket(path: socket), serverName: "ssm",
                    availableConnectionsDelegate: MaximumAvailableConnections(security.maxConnections)),
                onServerRunning: { _ in
                    // Also when started without `ssm serve`'s umask: owner only.
                    _ = chmod(socket, 0o600)
                    logger.info("listening", metadata: ["address": "unix:\(socket)"])
                },
                logger: logger))
    }
    return Application(
        responder: responder,
        server: try serverBuilder(security, tls: true),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "ssm",
            availableConnectionsDelegate: MaximumAvailableConnections(security.maxConnections)),
        services: services,
        onServerRunning: { channel in
            logger.info(
                "listening",
                metadata: [
                    "address": "\(channel.localAddress?.description ?? "?")",
                    "tls": "\(security.tls == nil ? "off" : security.tls?.clientCA == nil ? "on" : "mTLS")",
                    "clients": "\(security.clients.clients.count)",
                ])
            if let notifier { await notifyReady(notifier, hsm: hsm, address: channel.localAddress, logger: logger) }
        },
        logger: logger)
}

/// HTTP/1.1 with the idle, header-read and request-read timeouts and the per-address
/// connection limit, behind TLS when configured (and `tls`).
func serverBuilder(_ security: SecurityConfiguration, tls: Bool) throws -> HTTPServerBuilder {
    let headerTimeout = TimeAmount(security.headerTimeout)
    let requestTimeout = TimeAmount(security.requestTimeout)
    let limiter = security.maxConnectionsPerAddress.map(AddressConnectionLimiter.init(limit:))
    // New handlers for each connection.
    @Sendable func handlers() -> [any RemovableChannelHandler] {
        let timeouts = RequestTimeoutHandler(headerTimeout: headerTimeout, requestTimeout: requestTimeout)
        guard let limiter else { return [ReceiveBufferSizing(), ListMethodSupport(), timeouts] }
        return [ReceiveBufferSizing(), ListMethodSupport(), limiter.handler(), timeouts]
    }
    let http = HTTPServerBuilder.http1QuietRequestsInChildTask(
        configuration: .init(additionalChannelHandlers: handlers(), idleTimeout: security.idleTimeout.map { TimeAmount($0) }))
    guard tls, let settings = security.tls else { return http }
    return try .tls(http, tlsConfiguration: try TLSFactory.serverConfiguration(settings))
}

/// The router with every route of ssm and its middleware.
///
/// - Parameters:
///   - metrics: what `GET /metrics` serves; give `keys` the same object's
///     ``ServerMetrics/keyService`` so that its HSM calls are counted there too.
///   - v1MaxBatch: most items of one Transit `batch_input` (when `transit` is nil).
///   - transit: the Transit keys (a new service over `keys.store` when nil).
///   - transitSettings: the Transit mount and the shortest automatic rotation period.
///   - security: clients and policies, rate limit.
///   - audit: where every request is recorded, if anywhere.
///   - jwt: issues the JWTs of `POST /login` and checks them (nil: `/login` answers 401).
public func buildRouter(
    hsm: HSM, keys: KeyService, bodyLimit: Int, metrics: ServerMetrics = ServerMetrics(), v1MaxBatch: Int = 1000,
    transit: TransitService? = nil, transitSettings: TransitSettings = TransitSettings(),
    security: SecurityConfiguration = SecurityConfiguration(), audit: AuditLog? = nil,
    jwt: JWTService? = nil
) -> Router<SSMRequestContext> {
    let routes = RouteRegistrar()
    addRoutes(
        to: routes, hsm: hsm, keys: keys, bodyLimit: bodyLimit, metrics: metrics,
        transit: transit ?? TransitService(store: keys.store, maxBatch: v1MaxBatch), transitSettings: transitSettings,
        clients: security.clients, jwt: jwt, audit: audit)
    let router = Router(context: SSMRequestContext.self)
    if let audit { router.add(middleware: AuditMiddleware(log: audit)) }
    router.add(
        middleware: RequestMiddleware(
            // Vault's LIST (LINK on the wire) stays out of `Allow`: OpenAPI documents it as GET.
            routes: RouteTable(routes.routes.filter { $0.0 != .list && $0.0 != .link }),
            metrics: HTTPMetrics(registry: metrics.registry, traffic: metrics.traffic, routes: routes.routes)))
    routes.register(
        on: router,
        gate: SecurityGate(clients: security.clients, rateLimiter: RateLimiter(security.rateLimit), jwt: jwt))
    return router
}

/// Every route of ssm, each with its ``RouteAccess`` (the routes `buildRouter` serves; tests
/// enumerate them).
func addRoutes(
    to routes: RouteRegistrar, hsm: HSM, keys: KeyService, bodyLimit: Int, metrics: ServerMetrics,
    transit: TransitService? = nil, transitSettings: TransitSettings = TransitSettings(),
    clients: ClientRegistry = ClientRegistry(), jwt: JWTService? = nil, audit: AuditLog? = nil
) {
    SystemController(hsm: hsm, audit: audit).addRoutes(to: routes)
    ObservabilityController(hsm: hsm, metrics: metrics).addRoutes(to: routes)
    StatusPageController(hsm: hsm, metrics: metrics, census: KeyCensus(store: keys.store), audit: audit).addRoutes(to: routes)
    CryptoController(keys: keys, bodyLimit: bodyLimit).addRoutes(to: routes)
    KeyController(keys: keys, bodyLimit: bodyLimit).addRoutes(to: routes)
    LoginController(clients: clients, jwt: jwt, bodyLimit: bodyLimit).addRoutes(to: routes)
    let transit = transit ?? TransitService(store: keys.store)
    let mount = transitSettings.mount
    TransitKeysController(
        transit: transit, mount: mount, bodyLimit: bodyLimit,
        minAutoRotatePeriod: Int(transitSettings.minAutoRotatePeriod.components.seconds)
    ).addRoutes(to: routes)
    TransitCryptoController(transit: transit, mount: mount, bodyLimit: bodyLimit).addRoutes(to: routes)
    TransitSigningController(transit: transit, mount: mount, bodyLimit: bodyLimit).addRoutes(to: routes)
    VaultTokenController(hsm: hsm).addRoutes(to: routes)
}
