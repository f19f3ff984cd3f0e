/// OpenAI's error envelope: `{"error": {"message", "type", "param", "code"}}`.
public struct ErrorResponse: Codable, Sendable, Equatable {
    /// The error.
    public var error: ErrorObject

    /// Creates an `ErrorResponse` from its fields.
    public init(error: ErrorObject) {
        self.error = error
    }
}

/// The body of an error. `param` and `code` are always present, as `null` when unset,
/// because OpenAI's clients read them as keys.
public struct ErrorObject: Codable, Sendable, Equatable {
    /// A human-readable description of what is wrong.
    public var message: String
    /// The error's category (`invalid_request_error`, `authentication_error`, `rate_limit_error`,
    /// `server_error`, …), which the SDKs map to their exception classes with the status.
    public var type: String
    /// The request field the error is about, when there is one.
    public var param: String?
    /// A machine-readable error code (`invalid_value`, `model_not_found`, …).
    public var code: String?

    /// Creates an `ErrorObject` from its fields.
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
