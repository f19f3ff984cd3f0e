import Hummingbird
import Logging
import NodeInference

/// Renders every error, ours or the framework's, in OpenAI's envelope: clients parse error
/// bodies as JSON, so an HTML page or an empty body breaks them. Unknown faults become a 500
/// that leaks nothing; their detail goes to the log.
struct OpenAIErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let routes: RouteTable

    func handle(
        _ request: Request,
        context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = translate(error, request: request, context: context)
            return try apiError.response(from: request, context: context)
        }
    }

    func translate(_ error: any Error, request: Request, context: APIRequestContext) -> APIError {
        let method = request.method.rawValue
        let path = request.uri.path
        switch error {
        case let error as APIError:
            return error
        case is CancellationError:
            return .clientClosedRequest
        case let error as RequestDecodingError:
            return .invalidBody(error)
        case let error as any HTTPResponseError where error.status == .notFound:
            let allowed = routes.methods(for: path)
            if !allowed.isEmpty, !allowed.contains(method) {
                return .methodNotAllowed(method: method, path: path, allowed: allowed)
            }
            return .unknownURL(method: method, path: path)
        case let error as any HTTPResponseError:
            return .fromStatus(error.status, method: method, path: path)
        default:
            context.logger.error("internal error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError(requestID: context.requestID)
        }
    }
}
