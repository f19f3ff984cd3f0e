import Hummingbird

/// The request context of every route: Hummingbird's core storage plus what the middleware
/// learns about a request on its way in.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `x-request-id`: the client's if it sent a sane one, else ours.
    public var requestID: String = ""

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
