/// One prompt to complete, possibly several times (`choices`), with everything that shapes
/// the output. The HTTP layer builds it from a request; the library runs it.
public struct CompletionJob: Sendable, Equatable {
    /// `prompt_tokens`: tokens of the prompt(s) as the model saw them.
    public var promptTokens: [Int]
    /// New tokens per choice; generation also ends at the context length.
    public var maxTokens: Int
    /// How tokens are chosen.
    public var sampling: SamplingParameters
    /// Strings that end generation; they are not returned.
    public var stops: [String]
    /// The generated choices, `n` per prompt, in index order.
    public var choices: Int
    /// Alternatives to report per token, or `nil` for no logprobs at all.
    public var topLogprobs: Int?

    /// Creates a `CompletionJob` from its fields.
    public init(promptTokens: [Int], maxTokens: Int, sampling: SamplingParameters = SamplingParameters(), stops: [String] = [],
                choices: Int = 1, topLogprobs: Int? = nil) {
        self.promptTokens = promptTokens
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stops = stops
        self.choices = choices
        self.topLogprobs = topLogprobs
    }
}

/// A generated token with its log-probability under the model (raw logits, before sampling
/// transforms) and the most likely alternatives.
public struct TokenLogprobs: Sendable, Equatable {
    /// The token's text.
    public var token: Int
    /// The token's UTF-8 bytes (a token may hold part of a character).
    public var bytes: [UInt8]
    /// The natural-log probability of the token under the model's raw distribution.
    public var logprob: Float
    /// The most likely alternatives at this position.
    public var top: [(token: Int, bytes: [UInt8], logprob: Float)]

    public static func == (lhs: TokenLogprobs, rhs: TokenLogprobs) -> Bool {
        lhs.token == rhs.token && lhs.logprob == rhs.logprob && lhs.top.map(\.token) == rhs.top.map(\.token)
    }
}

/// What a generation reports, in order: the prompt (once), each choice's text as it is decided, and
/// each choice's end.
public enum CompletionEvent: Sendable, Equatable {
    /// The prompt is evaluated (sent once, before any delta): `cachedTokens` of its positions
    /// came from the prefix cache rather than being computed.
    case prompt(cachedTokens: Int)
    /// Text released for a choice (possibly empty while a stop string or character is pending)
    /// and the token that produced it (`nil` when the text is a final flush).
    case delta(choice: Int, text: String, token: TokenLogprobs?)
    /// Choice `choice` ended for `reason` after `completionTokens` tokens.
    case finished(choice: Int, reason: FinishReason, completionTokens: Int)
}
