/// One prompt to complete, possibly several times (`choices`), with everything that shapes
/// the output. The HTTP layer builds it from a request; the library runs it.
public struct CompletionJob: Sendable, Equatable {
    public var promptTokens: [Int]
    /// New tokens per choice; generation also ends at the context length.
    public var maxTokens: Int
    public var sampling: SamplingParameters
    public var stops: [String]
    public var choices: Int
    /// Alternatives to report per token, or `nil` for no logprobs at all.
    public var topLogprobs: Int?

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
    public var token: Int
    public var bytes: [UInt8]
    public var logprob: Float
    public var top: [(token: Int, bytes: [UInt8], logprob: Float)]

    public static func == (lhs: TokenLogprobs, rhs: TokenLogprobs) -> Bool {
        lhs.token == rhs.token && lhs.logprob == rhs.logprob && lhs.top.map(\.token) == rhs.top.map(\.token)
    }
}

public enum CompletionEvent: Sendable, Equatable {
    /// The prompt is evaluated (sent once, before any delta): `cachedTokens` of its positions
    /// came from the prefix cache rather than being computed.
    case prompt(cachedTokens: Int)
    /// Text released for a choice (possibly empty while a stop string or character is pending)
    /// and the token that produced it (`nil` when the text is a final flush).
    case delta(choice: Int, text: String, token: TokenLogprobs?)
    case finished(choice: Int, reason: FinishReason, completionTokens: Int)
}
