import HTTPTypes
import Hummingbird

/// CORS from `cors_enabled` / `cors_origins`: preflights from allowed origins are answered here
/// (before authentication, since browsers send them without the key); responses to allowed
/// origins carry `Access-Control-Allow-Origin`; other origins get no CORS headers at all.
struct CORSPolicyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let origins: Set<String>
    let allowAll: Bool
    static let maxAge = "600"

    init(origins: [String]) {
        self.origins = Set(origins)
        self.allowAll = origins.contains("*")
    }

    func allowed(_ origin: String) -> String? {
        if allowAll { return "*" }
        return origins.contains(origin) ? origin : nil
    }

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowedOrigin = allowed(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard let allowedOrigin else { return Response(status: .forbidden) }
            var headers: HTTPFields = [
                .accessControlAllowOrigin: allowedOrigin,
                .accessControlAllowMethods: "GET, POST, OPTIONS",
                .accessControlAllowHeaders: "Authorization, Content-Type, X-Request-ID",
                .accessControlMaxAge: Self.maxAge,
            ]
            if !allowAll { headers[.vary] = "Origin" }
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        if let allowedOrigin {
            response.headers[.accessControlAllowOrigin] = allowedOrigin
            response.headers[.accessControlExposeHeaders] = "x-request-id, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens"
            if !allowAll { response.headers[.vary] = "Origin" }
        }
        return response
    }
}
