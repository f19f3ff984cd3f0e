/// `stream_options`.
public struct StreamOptions: Codable, Sendable, Equatable {
    /// Send a last chunk with the request's usage (and `"usage": null` on the others).
    public var includeUsage: Bool?
    /// `include_obfuscation`: accepted, no effect (no obfuscation padding is added).
    public var includeObfuscation: Bool?

    /// Creates a `StreamOptions` from its fields.
    public init(includeUsage: Bool? = nil, includeObfuscation: Bool? = nil) {
        self.includeUsage = includeUsage
        self.includeObfuscation = includeObfuscation
    }

    enum CodingKeys: String, CodingKey {
        case includeUsage = "include_usage"
        case includeObfuscation = "include_obfuscation"
    }
}
