import Foundation
import HTTPTypes
import Hummingbird
import NodeInference

/// The one error type the server answers with. Every failure, whatever its origin, is turned
/// into one of these by ``OpenAIErrorMiddleware`` and rendered in OpenAI's envelope
/// `{"error": {"message", "type", "param", "code"}}` with a string `code`.
public struct APIError: Error, Sendable, Equatable, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var type: String
    public var code: String?
    public var param: String?
    public var message: String
    /// Extra response headers (`Allow`, `Retry-After`).
    public var headers: [String: String]

    public init(
        status: HTTPResponse.Status,
        type: String,
        code: String?,
        param: String? = nil,
        message: String,
        headers: [String: String] = [:]
    ) {
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.headers = headers
    }

    public var body: ErrorResponse {
        ErrorResponse(error: ErrorObject(message: message, type: type, param: param, code: code))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(body, status: status)
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}

extension APIError {
    /// 400 for a request that cannot be served as sent.
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = "invalid_request_error")
        -> APIError
    {
        APIError(status: .badRequest, type: "invalid_request_error", code: code, param: param, message: message)
    }

    public static func invalidBody(_ error: RequestDecodingError) -> APIError {
        invalidRequest(error.message, param: error.param, code: error.param == nil ? "invalid_json" : "invalid_type")
    }

    public static let missingAPIKey = APIError(
        status: .unauthorized,
        type: "invalid_request_error",
        code: "invalid_api_key",
        message:
            "You didn't provide an API key. Provide it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY)."
    )

    /// The key itself is never echoed: error bodies end up in client logs.
    public static let incorrectAPIKey = APIError(
        status: .unauthorized,
        type: "invalid_request_error",
        code: "invalid_api_key",
        message: "Incorrect API key provided."
    )

    public static func modelNotFound(_ id: String) -> APIError {
        APIError(
            status: .notFound,
            type: "invalid_request_error",
            code: "model_not_found",
            param: "model",
            message: "The model '\(id)' does not exist. GET /v1/models lists the models this node serves."
        )
    }

    /// A model that exists but does not serve this endpoint (a chat model named for embeddings).
    public static func wrongModelType(id: String, kind: ModelKind, endpoint: String, expected: ModelKind) -> APIError {
        APIError(
            status: .badRequest,
            type: "invalid_request_error",
            code: "model_not_supported",
            param: "model",
            message: "The model '\(id)' is \(kind == .embedding ? "an" : "a") \(kind.rawValue) model; \(endpoint) needs a model of type \(expected.rawValue)."
        )
    }

    public static func unknownURL(method: String, path: String) -> APIError {
        APIError(
            status: .notFound,
            type: "invalid_request_error",
            code: "unknown_url",
            message: "Unknown request URL: \(method) \(path). Please check the URL for typos."
        )
    }

    public static func methodNotAllowed(method: String, path: String, allowed: [String]) -> APIError {
        APIError(
            status: .methodNotAllowed,
            type: "invalid_request_error",
            code: "method_not_allowed",
            message: "\(method) is not allowed on \(path); use \(allowed.joined(separator: " or ")).",
            headers: ["Allow": allowed.joined(separator: ", ")]
        )
    }

    /// 503 for a generation that shutdown stopped.
    public static let shuttingDown = APIError(
        status: .serviceUnavailable, type: "server_error", code: "server_shutting_down",
        message: "The server is shutting down; this generation was stopped.", headers: ["Retry-After": "1"])

    /// 503 when a model's line of waiting requests is full (`max_queued_requests`): shed load
    /// rather than grow the queue without bound. Clients (the OpenAI SDKs) retry after `Retry-After`.
    public static let overloaded = APIError(
        status: .serviceUnavailable, type: "server_error", code: "server_overloaded",
        message: "The model is busy: too many requests are waiting for it. Retry after a moment.", headers: ["Retry-After": "1"])

    /// 504 for a request that ran past `request_timeout_seconds`; its generation was stopped.
    public static func requestTimeout(seconds: Double) -> APIError {
        APIError(
            status: .gatewayTimeout, type: "server_error", code: "request_timeout",
            message: "The request took longer than this server's limit of \(RateLimiter.format(seconds)); its generation was stopped.")
    }

    /// 499 (nginx's "client closed request"): the client went away before the answer. Nobody reads
    /// the body; the status is for the log and the metrics.
    public static let clientClosedRequest = APIError(
        status: .init(code: 499, reasonPhrase: "Client Closed Request"), type: "invalid_request_error", code: "client_closed_request",
        message: "The client closed the connection before the response.")

    /// 500 that says nothing of the cause; the cause goes to the log with the request id.
    public static func internalError(requestID: String) -> APIError {
        APIError(
            status: .internalServerError,
            type: "server_error",
            code: "internal_error",
            message: "The server had an error while processing your request (request id \(requestID))."
        )
    }

    /// For framework errors that carry only a status (413 from a body limit, say).
    static func fromStatus(_ status: HTTPResponse.Status, method: String, path: String) -> APIError {
        switch status.code {
        case 404: return unknownURL(method: method, path: path)
        case 413:
            return APIError(
                status: status, type: "invalid_request_error", code: "request_too_large",
                message: "The request body is too large.")
        case 400..<500:
            return APIError(
                status: status, type: "invalid_request_error", code: status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                message: "The request could not be served: \(status.reasonPhrase).")
        default:
            return APIError(status: status, type: "server_error", code: "server_error", message: status.reasonPhrase)
        }
    }
}
