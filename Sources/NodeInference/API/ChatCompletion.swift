/// The body of a non-streamed chat completion (`object: "chat.completion"`).
public struct ChatCompletion: Codable, Sendable, Equatable {
    /// The object's identifier (`chatcmpl-…`, `cmpl-…`, a model id, or a tool call's id).
    public var id: String
    /// The object type OpenAI's wire format names (`chat.completion`, `text_completion`, `list`,
    /// …).
    public var object: String
    /// When it was created, in Unix seconds.
    public var created: Int
    /// The model id, as the request named it.
    public var model: String
    /// The generated choices, `n` per prompt, in index order.
    public var choices: [Choice]
    /// Token counts of the request.
    public var usage: Usage?
    /// `system_fingerprint`: identifies the model file that produced the answer.
    public var systemFingerprint: String?
    /// `service_tier`: accepted for compatibility; only `auto`/`default` are served.
    public var serviceTier: String?

    /// Creates a `ChatCompletion` from its fields.
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

    /// One generated answer.
    public struct Choice: Codable, Sendable, Equatable {
        /// The position of this item in its list (`choices`, `data`, `tool_calls`).
        public var index: Int
        /// The generated message.
        public var message: ChatCompletionMessage
        /// Present as `null` when logprobs were not requested.
        public var logprobs: ChatLogprobs?
        /// `finish_reason`: why generation stopped; `nil` while a stream is still running.
        public var finishReason: FinishReason?

        /// Creates a `ChatCompletion.Choice` from its fields.
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
    /// Who wrote the message.
    public var role: ChatRole
    /// The text (or, in a request, the content parts).
    public var content: String?
    /// A refusal message; this server never refuses, so it is always `nil`.
    public var refusal: String?
    /// `tool_calls`: function calls the assistant made (never produced here: tool calling is not
    /// implemented).
    public var toolCalls: [ToolCall]?
    /// Annotations of the message (web citations in OpenAI's API); always `nil` here.
    public var annotations: [JSONValue]?

    /// Creates a `ChatCompletionMessage` from its fields.
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
    /// The text (or, in a request, the content parts).
    public var content: [TokenLogprob]?
    /// A refusal message; this server never refuses, so it is always `nil`.
    public var refusal: [TokenLogprob]?

    /// Creates a `ChatLogprobs` from its fields.
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
    /// The token's text.
    public var token: String
    /// The natural-log probability of the token under the model's raw distribution.
    public var logprob: Double
    /// The token's UTF-8 bytes (a token may hold part of a character).
    public var bytes: [Int]?
    /// `top_logprobs`: the most likely alternatives at this position (or, in a request, how many to
    /// return).
    public var topLogprobs: [TopLogprob]

    /// Creates a `TokenLogprob` from its fields.
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

/// One of the most likely tokens at a position, with its log-probability.
public struct TopLogprob: Codable, Sendable, Equatable {
    /// The token's text.
    public var token: String
    /// The natural-log probability of the token under the model's raw distribution.
    public var logprob: Double
    /// The token's UTF-8 bytes (a token may hold part of a character).
    public var bytes: [Int]?

    /// Creates a `TopLogprob` from its fields.
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
