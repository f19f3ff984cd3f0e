/// The body of `POST /v1/chat/completions`.
///
/// Every field of OpenAI's reference decodes, so that an endpoint can honour it or refuse it
/// by name; nothing a client sends is silently dropped by the types. `top_k`, `min_p` and
/// `repetition_penalty` are extensions that local servers commonly accept.
public struct ChatCompletionRequest: Codable, Sendable, Equatable {
    /// The model id, as the request named it.
    public var model: String
    /// The conversation so far, oldest first.
    public var messages: [ChatMessage]
    /// Audio output parameters; refused (the models write text).
    public var audio: JSONValue?
    /// `frequency_penalty`, −2…2: penalises tokens by how often they appeared.
    public var frequencyPenalty: Double?
    /// `function_call`: the deprecated form of `tool_choice`.
    public var functionCall: JSONValue?
    /// The deprecated form of `tools`; refused when non-empty.
    public var functions: [JSONValue]?
    /// Token id (as a string) to a bias in -100...100.
    public var logitBias: [String: Double]?
    /// Log-probabilities of the generated tokens, when the request asked for them.
    public var logprobs: Bool?
    /// `max_completion_tokens`: the most tokens to generate per choice (OpenAI's newer name for
    /// `max_tokens`).
    public var maxCompletionTokens: Int?
    /// `max_tokens`: the most tokens to generate per choice.
    public var maxTokens: Int?
    /// Caller metadata; accepted, no effect.
    public var metadata: JSONValue?
    /// Output modalities; only `["text"]` is served.
    public var modalities: [String]?
    /// How many choices to generate for each prompt.
    public var n: Int?
    /// `parallel_tool_calls`: accepted, no effect (there are no tools to call).
    public var parallelToolCalls: Bool?
    /// Predicted output; refused (not supported).
    public var prediction: JSONValue?
    /// `presence_penalty`, −2…2: penalises tokens that already appeared, once.
    public var presencePenalty: Double?
    /// `prompt_cache_key`: accepted, no effect (the prefix cache keys on the tokens themselves).
    public var promptCacheKey: String?
    /// `reasoning_effort`: refused (the served models do not reason separately).
    public var reasoningEffort: String?
    /// `response_format`: only `text` is served (no constrained decoding).
    public var responseFormat: ResponseFormat?
    /// `safety_identifier`: an identifier of the end user; accepted, no effect.
    public var safetyIdentifier: String?
    /// Makes sampling reproducible: the same seed and request give the same output.
    public var seed: Int?
    /// `service_tier`: accepted for compatibility; only `auto`/`default` are served.
    public var serviceTier: String?
    /// Up to `max_stop_sequences` strings that end generation; they are not returned.
    public var stop: StopSequences?
    /// Whether OpenAI would store the completion; `true` is refused (nothing is stored).
    public var store: Bool?
    /// Stream the answer as server-sent events.
    public var stream: Bool?
    /// `stream_options`: `include_usage` adds a last chunk with the usage.
    public var streamOptions: StreamOptions?
    /// Sampling temperature, 0–2 (0 is greedy).
    public var temperature: Double?
    /// `tool_choice`: only `none` and `auto` are accepted.
    public var toolChoice: ToolChoice?
    /// Tools the model may call; refused when non-empty (tool calling is not implemented).
    public var tools: [Tool]?
    /// `top_logprobs`: the most likely alternatives at this position (or, in a request, how many to
    /// return).
    public var topLogprobs: Int?
    /// `top_p`: nucleus sampling, the smallest set of tokens whose probabilities sum to this.
    public var topP: Double?
    /// An identifier of the end user; accepted, with no effect.
    public var user: String?
    /// Refused: not supported.
    public var verbosity: String?
    /// `web_search_options`: refused (no web search).
    public var webSearchOptions: JSONValue?
    /// `top_k`: sample among this many most likely tokens (an extension, as vLLM and llama.cpp
    /// accept).
    public var topK: Int?
    /// `min_p`: drop tokens less likely than this fraction of the most likely one (an extension).
    public var minP: Double?
    /// `repetition_penalty`: divides the logits of tokens already seen (an extension, as llama.cpp
    /// and vLLM accept).
    public var repetitionPenalty: Double?

    /// Creates a `ChatCompletionRequest` from its fields.
    public init(model: String, messages: [ChatMessage]) {
        self.model = model
        self.messages = messages
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, audio, functions, logprobs, metadata, modalities, n, prediction, seed, stop,
            store, stream, temperature, tools, user, verbosity
        case frequencyPenalty = "frequency_penalty"
        case functionCall = "function_call"
        case logitBias = "logit_bias"
        case maxCompletionTokens = "max_completion_tokens"
        case maxTokens = "max_tokens"
        case parallelToolCalls = "parallel_tool_calls"
        case presencePenalty = "presence_penalty"
        case promptCacheKey = "prompt_cache_key"
        case reasoningEffort = "reasoning_effort"
        case responseFormat = "response_format"
        case safetyIdentifier = "safety_identifier"
        case serviceTier = "service_tier"
        case streamOptions = "stream_options"
        case toolChoice = "tool_choice"
        case topLogprobs = "top_logprobs"
        case topP = "top_p"
        case webSearchOptions = "web_search_options"
        case topK = "top_k"
        case minP = "min_p"
        case repetitionPenalty = "repetition_penalty"
    }
}
