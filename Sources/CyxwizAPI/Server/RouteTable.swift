/// The routes the server registers, kept so that a path that exists under another method can
/// be answered 405 (with `Allow`) rather than 404.
struct RouteTable: Sendable {
    struct Route: Sendable {
        var method: String
        /// Path segments; `{name}` matches any one segment.
        var segments: [String]
    }

    let routes: [Route]

    init(_ endpoints: [Endpoint]) {
        routes = endpoints.map { Route(method: $0.method.rawValue, segments: Self.split($0.path)) }
    }

    /// Methods registered for a path, in registration order.
    func methods(for path: String) -> [String] {
        let segments = Self.split(path)
        var methods: [String] = []
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix("{") || pattern == segment
            }
            if matches, !methods.contains(route.method) { methods.append(route.method) }
        }
        return methods
    }

    private static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
