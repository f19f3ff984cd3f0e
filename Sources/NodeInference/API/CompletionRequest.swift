/// The body of `POST /v1/completions` (the legacy text-completion endpoint).
public struct CompletionRequest: Codable, Sendable, Equatable {
    public var model: String
    public var prompt: PromptInput?
    public var bestOf: Int?
    /// Return the prompt too, with its own token logprobs when `logprobs` is set.
    public var echo: Bool?
    public var frequencyPenalty: Double?
    public var logitBias: [String: Double]?
    /// How many alternatives per token to return (0–5); `nil` for none.
    public var logprobs: Int?
    public var maxTokens: Int?
    public var n: Int?
    public var presencePenalty: Double?
    public var seed: Int?
    public var stop: StopSequences?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var suffix: String?
    public var temperature: Double?
    public var topP: Double?
    public var user: String?
    public var topK: Int?
    public var minP: Double?
    public var repetitionPenalty: Double?

    public init(model: String, prompt: PromptInput?) {
        self.model = model
        self.prompt = prompt
    }

    enum CodingKeys: String, CodingKey {
        case model, prompt, echo, logprobs, n, seed, stop, stream, suffix, temperature, user
        case bestOf = "best_of"
        case frequencyPenalty = "frequency_penalty"
        case logitBias = "logit_bias"
        case maxTokens = "max_tokens"
        case presencePenalty = "presence_penalty"
        case streamOptions = "stream_options"
        case topP = "top_p"
        case topK = "top_k"
        case minP = "min_p"
        case repetitionPenalty = "repetition_penalty"
    }
}
