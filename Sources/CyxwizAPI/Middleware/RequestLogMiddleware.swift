import Hummingbird
import Logging
import NIOCore

/// One log line per request: id, caller (a key's name, never the key), method, path, status and
/// duration. Request bodies and headers are not logged.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = NIODeadline.now()
        let response = try await next(request, context)
        // The route's pattern, not the raw path, keeps label values few.
        metrics.request(path: context.endpointPath ?? "unmatched", status: response.status.code)
        let milliseconds = Double((NIODeadline.now() - start).nanoseconds) / 1e6
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code), "duration_ms": .string(String(format: "%.1f", milliseconds)),
            "caller": .string(context.record["caller"] ?? context.callerIdentity),
        ]
        for (key, value) in context.record.all where key != "caller" { metadata[key] = .string(value) }
        context.logger.info("request", metadata: metadata)
        return response
    }
}

/// Refuses a declared body over the limit before reading it (chunked bodies are cut by
/// `collectBody(upTo:)` in the controllers, with the same 413).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let limit: Int

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError(
                status: .contentTooLarge, type: "invalid_request_error", code: "request_too_large",
                message: "The request body has \(length) bytes; this server accepts at most \(limit).")
        }
        return try await next(request, context)
    }
}
