/// The body of a non-streamed chat completion (`object: "chat.completion"`).
public struct ChatCompletion: Codable, Sendable, Equatable {
    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?
    public var systemFingerprint: String?
    public var serviceTier: String?

    public init(
        id: String,
        created: Int,
        model: String,
        choices: [Choice],
        usage: Usage?,
        systemFingerprint: String? = nil
    ) {
        self.id = id
        self.object = "chat.completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.systemFingerprint = systemFingerprint
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
        case serviceTier = "service_tier"
    }

    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: ChatCompletionMessage
        /// Present as `null` when logprobs were not requested.
        public var logprobs: ChatLogprobs?
        public var finishReason: FinishReason?

        public init(index: Int, message: ChatCompletionMessage, logprobs: ChatLogprobs? = nil, finishReason: FinishReason?) {
            self.index = index
            self.message = message
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }
}

/// The assistant message of a chat completion. `content` and `refusal` are always present
/// (`null` when empty), as OpenAI sends them.
public struct ChatCompletionMessage: Codable, Sendable, Equatable {
    public var role: ChatRole
    public var content: String?
    public var refusal: String?
    public var toolCalls: [ToolCall]?
    public var annotations: [JSONValue]?

    public init(content: String?, toolCalls: [ToolCall]? = nil) {
        self.role = .assistant
        self.content = content
        self.toolCalls = toolCalls
    }

    enum CodingKeys: String, CodingKey {
        case role, content, refusal, annotations
        case toolCalls = "tool_calls"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(content, forKey: .content)
        try container.encode(refusal, forKey: .refusal)
        try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
        try container.encodeIfPresent(annotations, forKey: .annotations)
    }
}

/// `choices[i].logprobs` of a chat completion or chunk.
public struct ChatLogprobs: Codable, Sendable, Equatable {
    public var content: [TokenLogprob]?
    public var refusal: [TokenLogprob]?

    public init(content: [TokenLogprob]?, refusal: [TokenLogprob]? = nil) {
        self.content = content
        self.refusal = refusal
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(content, forKey: .content)
        try container.encode(refusal, forKey: .refusal)
    }
}

/// One sampled token with its log-probability and the most likely alternatives.
public struct TokenLogprob: Codable, Sendable, Equatable {
    public var token: String
    public var logprob: Double
    /// The token's UTF-8 bytes (a token may hold part of a character).
    public var bytes: [Int]?
    public var topLogprobs: [TopLogprob]

    public init(token: String, logprob: Double, bytes: [Int]?, topLogprobs: [TopLogprob]) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
        self.topLogprobs = topLogprobs
    }

    enum CodingKeys: String, CodingKey {
        case token, logprob, bytes
        case topLogprobs = "top_logprobs"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token, forKey: .token)
        try container.encode(logprob, forKey: .logprob)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(topLogprobs, forKey: .topLogprobs)
    }
}

public struct TopLogprob: Codable, Sendable, Equatable {
    public var token: String
    public var logprob: Double
    public var bytes: [Int]?

    public init(token: String, logprob: Double, bytes: [Int]?) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token, forKey: .token)
        try container.encode(logprob, forKey: .logprob)
        try container.encode(bytes, forKey: .bytes)
    }
}
