import Hummingbird

/// Checks `Authorization: Bearer <key>` against the configured keys when `require_auth` is on.
/// Every path but `/health` needs a key. Keys are compared in constant time, and never logged
/// or echoed.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let keys: [[UInt8]]
    /// The name each key goes by in logs and limits (never the key itself).
    let names: [String]
    let required: Bool
    static let openPaths: Set<String> = ["/health"]

    init(keys: [String], namedKeys: [NamedKey] = [], required: Bool) {
        self.keys = keys.map { Array($0.utf8) } + namedKeys.map { Array($0.key.utf8) }
        self.names = keys.indices.map { "key-\($0 + 1)" } + namedKeys.map(\.name)
        self.required = required
    }

    func handle(
        _ request: Request,
        context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard required, !Self.openPaths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], let presented = Self.bearerToken(header) else {
            throw APIError.missingAPIKey
        }
        guard let index = matchingKey(Array(presented.utf8)) else { throw APIError.incorrectAPIKey }
        var context = context
        context.callerIdentity = names[index]
        context.record["caller"] = context.callerIdentity
        return try await next(request, context)
    }

    static func bearerToken(_ header: String) -> Substring? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].drop { $0 == " " }
        return token.isEmpty ? nil : token
    }

    /// Compares against every key without an early exit, so timing reveals neither which key
    /// nor how much of one matched. Returns the position of the matching key.
    func matchingKey(_ presented: [UInt8]) -> Int? {
        var match = -1
        for (index, key) in keys.enumerated() {
            let equal = Self.constantTimeEqual(key, presented)
            match = equal && match < 0 ? index : match
        }
        return match >= 0 ? match : nil
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt64(a.count ^ b.count)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }
}
