import Hummingbird
import NIOCore
import Logging
import NodeInference

/// Assembles the router: middleware first (it applies to routes added after it), then the
/// controllers. Tests drive this router directly; `buildApplication` puts it on a socket.
public func buildRouter(configuration: ServerConfiguration, host: ModelHost = ModelHost()) -> Router<APIRequestContext> {
    let limiter = rateLimiter(configuration)
    let endpoints = allEndpoints(configuration: configuration, host: host, limiter: limiter)

    let router = Router(context: APIRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RequestLogMiddleware(metrics: host.metrics))
    router.add(middleware: OpenAIErrorMiddleware(routes: RouteTable(endpoints)))
    if configuration.api.corsEnabled {
        router.add(middleware: CORSPolicyMiddleware(origins: configuration.api.corsOrigins))
    }
    router.add(middleware: AuthenticationMiddleware(
        keys: configuration.api.apiKeys, namedKeys: configuration.api.namedKeys, required: configuration.api.requireAuth))
    router.add(middleware: RateLimitMiddleware(limiter: limiter))
    router.add(middleware: BodyLimitMiddleware(limit: configuration.api.maxBodyBytes))
    for endpoint in endpoints {
        router.on(RouterPath(stringLiteral: endpoint.path), method: endpoint.method) { request, context in
            try await endpoint.handler(request, context)
        }
    }
    return router
}

/// The server as an application, listening on the configured address.
/// `onListening` receives the bound address (useful with port 0).
public func buildApplication(
    configuration: ServerConfiguration,
    host: ModelHost,
    logger: Logger,
    onListening: @escaping @Sendable (String) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, host: host)
    let idle = configuration.api.idleTimeoutSeconds.map { TimeAmount.nanoseconds(Int64($0 * 1e9)) }
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: idle)),
        configuration: .init(
            address: .hostname(configuration.api.address.host, port: configuration.api.address.port),
            serverName: "cyxwiz-api"
        ),
        onServerRunning: { channel in
            let address = channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
            await onListening(address)
        },
        logger: logger
    )
}

/// The rate limiter of `configuration`: its defaults and each named key's overrides.
func rateLimiter(_ configuration: ServerConfiguration) -> RateLimiter {
    let defaults = RateLimiter.Limits(
        requestsPerMinute: configuration.api.maxRequestsPerMinute, tokensPerMinute: configuration.api.maxTokensPerMinute)
    var overrides: [String: RateLimiter.Limits] = [:]
    for key in configuration.api.namedKeys {
        overrides[key.name] = .init(
            requestsPerMinute: key.maxRequestsPerMinute ?? defaults.requestsPerMinute, tokensPerMinute: key.maxTokensPerMinute ?? defaults.tokensPerMinute)
    }
    return RateLimiter(limits: defaults, overrides: overrides)
}

/// Every route the server registers (Docs/openapi.yaml describes the same list; a test
/// compares them).
func allEndpoints(configuration: ServerConfiguration, host: ModelHost, limiter: RateLimiter) -> [Endpoint] {
    HealthController(configuration: configuration, host: host).endpoints
    + ModelsController(configuration: configuration).endpoints
    + EmbeddingsController(configuration: configuration, host: host, limiter: limiter).endpoints
    + ChatCompletionsController(configuration: configuration, host: host, limiter: limiter).endpoints
    + CompletionsController(configuration: configuration, host: host, limiter: limiter).endpoints
    + TokenizeController(configuration: configuration, host: host).endpoints
    + [.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: host.renderMetrics())))
    }]
}

/// `METHOD /path` of every route the server registers for `configuration`.
package func registeredRoutes(configuration: ServerConfiguration) -> [String] {
    allEndpoints(configuration: configuration, host: ModelHost(), limiter: rateLimiter(configuration)).map { "\($0.method.rawValue) \($0.path)" }
}
