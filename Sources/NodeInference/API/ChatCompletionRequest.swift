/// The body of `POST /v1/chat/completions`.
///
/// Every field of OpenAI's reference decodes, so that an endpoint can honour it or refuse it
/// by name; nothing a client sends is silently dropped by the types. `top_k`, `min_p` and
/// `repetition_penalty` are extensions that local servers commonly accept.
public struct ChatCompletionRequest: Codable, Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var audio: JSONValue?
    public var frequencyPenalty: Double?
    public var functionCall: JSONValue?
    public var functions: [JSONValue]?
    /// Token id (as a string) to a bias in -100...100.
    public var logitBias: [String: Double]?
    public var logprobs: Bool?
    public var maxCompletionTokens: Int?
    public var maxTokens: Int?
    public var metadata: JSONValue?
    public var modalities: [String]?
    public var n: Int?
    public var parallelToolCalls: Bool?
    public var prediction: JSONValue?
    public var presencePenalty: Double?
    public var promptCacheKey: String?
    public var reasoningEffort: String?
    public var responseFormat: ResponseFormat?
    public var safetyIdentifier: String?
    public var seed: Int?
    public var serviceTier: String?
    public var stop: StopSequences?
    public var store: Bool?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var temperature: Double?
    public var toolChoice: ToolChoice?
    public var tools: [Tool]?
    public var topLogprobs: Int?
    public var topP: Double?
    public var user: String?
    public var verbosity: String?
    public var webSearchOptions: JSONValue?
    public var topK: Int?
    public var minP: Double?
    public var repetitionPenalty: Double?

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
