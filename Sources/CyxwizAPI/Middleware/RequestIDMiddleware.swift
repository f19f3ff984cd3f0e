import HTTPTypes
import Hummingbird

/// Gives every request an id, honouring a client's `x-request-id` when it is short printable
/// ASCII, and returns it on every response, errors included. It also tags the request's logs.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    static let header = HTTPField.Name("x-request-id")!

    func handle(
        _ request: Request,
        context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let id = request.headers[Self.header].flatMap(Self.sanitized) ?? Self.generate()
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }

    static func sanitized(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<16).map { _ in String(generator.next(upperBound: UInt8(16)), radix: 16) }.joined()
        return "req_" + hex
    }
}
