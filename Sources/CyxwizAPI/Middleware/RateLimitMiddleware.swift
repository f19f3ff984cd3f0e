import HTTPTypes
import Hummingbird

/// Counts each request against its caller's limits and reports them in OpenAI's headers on
/// every response; past a limit, answers 429 with `Retry-After`.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let limiter: RateLimiter
    static let openPaths: Set<String> = ["/health"]

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard limiter.isActive, !Self.openPaths.contains(request.uri.path) else { return try await next(request, context) }
        let identity = context.callerIdentity
        var response: Response
        do {
            try limiter.admit(identity)
            response = try await next(request, context)
        } catch let refusal as RateLimiter.Refusal {
            response = try APIError.rateLimited(refusal).response(from: request, context: context)
        } catch let error as APIError {
            // Rendered here so that error responses carry the headers too.
            response = try error.response(from: request, context: context)
        }
        Self.addHeaders(limiter.status(identity), to: &response)
        return response
    }

    static func addHeaders(_ status: RateLimiter.Status, to response: inout Response) {
        func set(_ name: String, _ value: String) {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        if status.limitRequests > 0 {
            set("x-ratelimit-limit-requests", String(status.limitRequests))
            set("x-ratelimit-remaining-requests", String(status.remainingRequests))
            set("x-ratelimit-reset-requests", RateLimiter.format(status.resetRequests))
        }
        if status.limitTokens > 0 {
            set("x-ratelimit-limit-tokens", String(status.limitTokens))
            set("x-ratelimit-remaining-tokens", String(status.remainingTokens))
            set("x-ratelimit-reset-tokens", RateLimiter.format(status.resetTokens))
        }
    }
}

extension APIError {
    static func rateLimited(_ refusal: RateLimiter.Refusal) -> APIError {
        switch refusal {
        case .requests(let retryAfter):
            return APIError(
                status: .tooManyRequests, type: "requests", code: "rate_limit_exceeded",
                message: "Rate limit reached for requests per minute. Please try again in \(RateLimiter.format(retryAfter)).",
                headers: ["Retry-After": String(Int(retryAfter.rounded(.up)))])
        case .tokens(let retryAfter, let requested, let limit):
            return APIError(
                status: .tooManyRequests, type: "tokens", code: "rate_limit_exceeded",
                message: requested > limit
                    ? "Request too large: it needs \(requested) tokens (prompt plus max_tokens) and the limit is \(limit) tokens per minute."
                    : "Rate limit reached for tokens per minute. Please try again in \(RateLimiter.format(retryAfter)).",
                headers: ["Retry-After": String(Int(retryAfter.rounded(.up)))])
        }
    }
}
