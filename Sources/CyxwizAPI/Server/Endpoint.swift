import HTTPTypes
import Hummingbird

/// One route: controllers return these, and `buildRouter` registers them and derives the
/// route table from the same list, so the two cannot disagree.
struct Endpoint: Sendable {
    typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response

    var method: HTTPRequest.Method
    var path: String
    var handler: Handler

    static func get(_ path: String, _ handler: @escaping Handler) -> Endpoint {
        Endpoint(method: .get, path: path, handler: handler)
    }

    static func post(_ path: String, _ handler: @escaping Handler) -> Endpoint {
        Endpoint(method: .post, path: path, handler: handler)
    }
}
