/// OpenAI's error envelope: `{"error": {"message", "type", "param", "code"}}`.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public var error: ErrorObject

    public init(error: ErrorObject) {
        self.error = error
    }
}

/// The body of an error. `param` and `code` are always present, as `null` when unset,
/// because OpenAI's clients read them as keys.
public struct ErrorObject: Codable, Sendable, Equatable {
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?

    public init(message: String, type: String, param: String? = nil, code: String? = nil) {
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message, forKey: .message)
        try container.encode(type, forKey: .type)
        try container.encode(param, forKey: .param)
        try container.encode(code, forKey: .code)
    }
}
