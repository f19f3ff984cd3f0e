/// One server-sent event of a streamed chat completion (`object: "chat.completion.chunk"`).
public struct ChatCompletionChunk: Codable, Sendable, Equatable {
    /// The object's identifier (`chatcmpl-…`, `cmpl-…`, a model id, or a tool call's id).
    public var id: String
    /// The object type OpenAI's wire format names (`chat.completion`, `text_completion`, `list`,
    /// …).
    public var object: String
    /// When it was created, in Unix seconds.
    public var created: Int
    /// The model id, as the request named it.
    public var model: String
    /// `system_fingerprint`: identifies the model file that produced the answer.
    public var systemFingerprint: String?
    /// `service_tier`: accepted for compatibility; only `auto`/`default` are served.
    public var serviceTier: String?
    /// The generated choices, `n` per prompt, in index order.
    public var choices: [Choice]
    /// Token counts of the request.
    public var usage: StreamUsage

    /// Creates a `ChatCompletionChunk` from its fields.
    public init(
        id: String,
        created: Int,
        model: String,
        choices: [Choice],
        usage: StreamUsage = .omitted,
        systemFingerprint: String? = nil
    ) {
        self.id = id
        self.object = "chat.completion.chunk"
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

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        object = try container.decode(String.self, forKey: .object)
        created = try container.decode(Int.self, forKey: .created)
        model = try container.decode(String.self, forKey: .model)
        systemFingerprint = try container.decodeIfPresent(String.self, forKey: .systemFingerprint)
        serviceTier = try container.decodeIfPresent(String.self, forKey: .serviceTier)
        choices = try container.decode([Choice].self, forKey: .choices)
        usage = try container.decodeStreamUsage(forKey: .usage)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
        try container.encodeIfPresent(serviceTier, forKey: .serviceTier)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
    }

    /// One choice's part of a streamed chunk.
    public struct Choice: Codable, Sendable, Equatable {
        /// The position of this item in its list (`choices`, `data`, `tool_calls`).
        public var index: Int
        /// What this chunk adds to the message.
        public var delta: Delta
        /// Log-probabilities of the generated tokens, when the request asked for them.
        public var logprobs: ChatLogprobs?
        /// `null` on every chunk but the one that ends the choice.
        public var finishReason: FinishReason?

        /// Creates a `ChatCompletionChunk.Choice` from its fields.
        public init(index: Int, delta: Delta, logprobs: ChatLogprobs? = nil, finishReason: FinishReason? = nil) {
            self.index = index
            self.delta = delta
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs
            case finishReason = "finish_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// What a chunk adds to the message; absent fields are omitted (the last delta is `{}`).
    public struct Delta: Codable, Sendable, Equatable {
        /// Who wrote the message.
        public var role: ChatRole?
        /// The text (or, in a request, the content parts).
        public var content: String?
        /// A refusal message; this server never refuses, so it is always `nil`.
        public var refusal: String?
        /// `tool_calls`: function calls the assistant made (never produced here: tool calling is
        /// not implemented).
        public var toolCalls: [ToolCallDelta]?

        /// Creates a `ChatCompletionChunk.Delta` from its fields.
        public init(role: ChatRole? = nil, content: String? = nil, toolCalls: [ToolCallDelta]? = nil) {
            self.role = role
            self.content = content
            self.toolCalls = toolCalls
        }

        enum CodingKeys: String, CodingKey {
            case role, content, refusal
            case toolCalls = "tool_calls"
        }
    }

    /// A fragment of a tool call; `index` says which call it continues.
    public struct ToolCallDelta: Codable, Sendable, Equatable {
        /// The position of this item in its list (`choices`, `data`, `tool_calls`).
        public var index: Int
        /// The object's identifier (`chatcmpl-…`, `cmpl-…`, a model id, or a tool call's id).
        public var id: String?
        /// The object's type tag, as OpenAI's wire format names it.
        public var type: String?
        /// The function called or offered.
        public var function: FunctionDelta?

        /// Creates a `ChatCompletionChunk.ToolCallDelta` from its fields.
        public init(index: Int, id: String? = nil, type: String? = nil, function: FunctionDelta? = nil) {
            self.index = index
            self.id = id
            self.type = type
            self.function = function
        }
    }

    /// A piece of a streamed function call.
    public struct FunctionDelta: Codable, Sendable, Equatable {
        /// A name: of the function, tool or message author.
        public var name: String?
        /// The call's arguments, as a JSON string.
        public var arguments: String?

        /// Creates a `ChatCompletionChunk.FunctionDelta` from its fields.
        public init(name: String? = nil, arguments: String? = nil) {
            self.name = name
            self.arguments = arguments
        }
    }
}
