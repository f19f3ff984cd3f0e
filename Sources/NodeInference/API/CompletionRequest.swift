/// The body of `POST /v1/completions` (the legacy text-completion endpoint).
public struct CompletionRequest: Codable, Sendable, Equatable {
    /// The model id, as the request named it.
    public var model: String
    /// The prompt(s): a string, strings, token ids, or lists of token ids.
    public var prompt: PromptInput?
    /// `best_of`: accepted only equal to `n`.
    public var bestOf: Int?
    /// Return the prompt too, with its own token logprobs when `logprobs` is set.
    public var echo: Bool?
    /// `frequency_penalty`, −2…2: penalises tokens by how often they appeared.
    public var frequencyPenalty: Double?
    /// `logit_bias`: token id → bias added to its logit (−100 bans the token).
    public var logitBias: [String: Double]?
    /// How many alternatives per token to return (0–5); `nil` for none.
    public var logprobs: Int?
    /// `max_tokens`: the most tokens to generate per choice.
    public var maxTokens: Int?
    /// How many choices to generate for each prompt.
    public var n: Int?
    /// `presence_penalty`, −2…2: penalises tokens that already appeared, once.
    public var presencePenalty: Double?
    /// Makes sampling reproducible: the same seed and request give the same output.
    public var seed: Int?
    /// Up to `max_stop_sequences` strings that end generation; they are not returned.
    public var stop: StopSequences?
    /// Stream the answer as server-sent events.
    public var stream: Bool?
    /// `stream_options`: `include_usage` adds a last chunk with the usage.
    public var streamOptions: StreamOptions?
    /// Text after the completion, for fill-in-the-middle models.
    public var suffix: String?
    /// Sampling temperature, 0–2 (0 is greedy).
    public var temperature: Double?
    /// `top_p`: nucleus sampling, the smallest set of tokens whose probabilities sum to this.
    public var topP: Double?
    /// An identifier of the end user; accepted, with no effect.
    public var user: String?
    /// `top_k`: sample among this many most likely tokens (an extension, as vLLM and llama.cpp
    /// accept).
    public var topK: Int?
    /// `min_p`: drop tokens less likely than this fraction of the most likely one (an extension).
    public var minP: Double?
    /// `repetition_penalty`: divides the logits of tokens already seen (an extension, as llama.cpp
    /// and vLLM accept).
    public var repetitionPenalty: Double?

    /// Creates a `CompletionRequest` from its fields.
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
