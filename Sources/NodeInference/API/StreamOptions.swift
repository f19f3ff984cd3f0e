/// `stream_options`.
public struct StreamOptions: Codable, Sendable, Equatable {
    /// Send a last chunk with the request's usage (and `"usage": null` on the others).
    public var includeUsage: Bool?
    public var includeObfuscation: Bool?

    public init(includeUsage: Bool? = nil, includeObfuscation: Bool? = nil) {
        self.includeUsage = includeUsage
        self.includeObfuscation = includeObfuscation
    }

    enum CodingKeys: String, CodingKey {
        case includeUsage = "include_usage"
        case includeObfuscation = "include_obfuscation"
    }
}
