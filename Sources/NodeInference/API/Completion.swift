/// A text completion (`object: "text_completion"`). The same shape serves as a streamed
/// event, where `finish_reason` is `null` until the choice ends.
public struct Completion: Codable, Sendable, Equatable {
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
    /// The generated choices, `n` per prompt, in index order.
    public var choices: [Choice]
    /// Token counts of the request.
    public var usage: StreamUsage

    /// Creates a `Completion` from its fields.
    public init(
        id: String,
        created: Int,
        model: String,
        choices: [Choice],
        usage: StreamUsage,
        systemFingerprint: String? = nil
    ) {
        self.id = id
        self.object = "text_completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.systemFingerprint = systemFingerprint
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        object = try container.decode(String.self, forKey: .object)
        created = try container.decode(Int.self, forKey: .created)
        model = try container.decode(String.self, forKey: .model)
        systemFingerprint = try container.decodeIfPresent(String.self, forKey: .systemFingerprint)
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
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
    }

    /// One generated continuation.
    public struct Choice: Codable, Sendable, Equatable {
        /// The generated text.
        public var text: String
        /// The position of this item in its list (`choices`, `data`, `tool_calls`).
        public var index: Int
        /// Log-probabilities of the generated tokens, when the request asked for them.
        public var logprobs: CompletionLogprobs?
        /// `finish_reason`: why generation stopped; `nil` while a stream is still running.
        public var finishReason: FinishReason?

        /// Creates a `Completion.Choice` from its fields.
        public init(text: String, index: Int, logprobs: CompletionLogprobs? = nil, finishReason: FinishReason?) {
            self.text = text
            self.index = index
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case text, index, logprobs
            case finishReason = "finish_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(index, forKey: .index)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }
}

/// The legacy logprobs shape: parallel arrays, one entry per token. With `echo`, the first
/// prompt token has no logprob (`null`) because nothing precedes it.
public struct CompletionLogprobs: Codable, Sendable, Equatable {
    /// The tokens, as text, one per generated token.
    public var tokens: [String]
    /// `token_logprobs`: the log-probability of each token (`nil` for the first echoed prompt
    /// token).
    public var tokenLogprobs: [Double?]
    /// `top_logprobs`: the most likely alternatives at this position (or, in a request, how many to
    /// return).
    public var topLogprobs: [[String: Double]?]
    /// Offset of each token in the returned text, in characters.
    public var textOffset: [Int]

    /// Creates a `CompletionLogprobs` from its fields.
    public init(tokens: [String], tokenLogprobs: [Double?], topLogprobs: [[String: Double]?], textOffset: [Int]) {
        self.tokens = tokens
        self.tokenLogprobs = tokenLogprobs
        self.topLogprobs = topLogprobs
        self.textOffset = textOffset
    }

    enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs"
        case topLogprobs = "top_logprobs"
        case textOffset = "text_offset"
    }
}
