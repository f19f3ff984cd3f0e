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
        let start = ContinuousClock.now
        var response = try await next(request, context)
        // The route's pattern, not the raw path, keeps label values few.
        metrics.request(path: context.endpointPath ?? "unmatched", status: response.status.code)
        let line = LogLine(request: request, context: context, status: response.status.code, start: start)
        guard response.headers[.contentType] == "text/event-stream" else {
            line.write(outcome: nil)
            return response
        }
        // A stream's line waits for its end, to report its tokens, time to first token and duration.
        let body = response.body
        response.body = ResponseBody { writer in
            do {
                try await body.write(writer)
                line.write(outcome: "completed")
            } catch {
                line.write(outcome: error is CancellationError ? "client_closed" : "failed")
                throw error
            }
        }
        return response
    }
}

/// What one request's log line says.
struct LogLine: Sendable {
    let logger: Logger
    let record: RequestRecord
    let base: Logger.Metadata
    let start: ContinuousClock.Instant

    init(request: Request, context: APIRequestContext, status: Int, start: ContinuousClock.Instant) {
        logger = context.logger
        record = context.record
        self.start = start
        base = [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(status), "caller": .string(context.record["caller"] ?? context.callerIdentity),
        ]
    }

    func write(outcome: String?) {
        var metadata = base
        metadata["duration_ms"] = .string(TokenClock.milliseconds(ContinuousClock.now - start))
        if let outcome { metadata["stream"] = .string(outcome) }
        for (key, value) in record.all where key != "caller" { metadata[key] = .string(value) }
        logger.info("request", metadata: metadata)
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
