/// Token accounting of one request.
public struct Usage: Codable, Sendable, Equatable {
    /// `prompt_tokens`: tokens of the prompt(s) as the model saw them.
    public var promptTokens: Int
    /// `completion_tokens`: tokens generated, over all choices.
    public var completionTokens: Int
    /// `total_tokens`: prompt plus completion tokens.
    public var totalTokens: Int
    /// `prompt_tokens_details`: `cached_tokens`, the prompt tokens reused from the prefix cache.
    public var promptTokensDetails: PromptTokensDetails?
    /// `completion_tokens_details`: breakdown of the completion tokens (reasoning, audio,
    /// predictions); zero here.
    public var completionTokensDetails: CompletionTokensDetails?

    /// Creates an `Usage` from its fields.
    public init(
        promptTokens: Int,
        completionTokens: Int,
        promptTokensDetails: PromptTokensDetails? = nil,
        completionTokensDetails: CompletionTokensDetails? = nil
    ) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
        self.promptTokensDetails = promptTokensDetails
        self.completionTokensDetails = completionTokensDetails
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
        case completionTokensDetails = "completion_tokens_details"
    }

    /// Where the prompt tokens came from.
    public struct PromptTokensDetails: Codable, Sendable, Equatable {
        /// Prompt tokens whose computation was reused from a cached prefix.
        public var cachedTokens: Int?
        /// `audio_tokens`: always 0 (the served models read and write text).
        public var audioTokens: Int?

        /// Creates an `Usage.PromptTokensDetails` from its fields.
        public init(cachedTokens: Int? = nil, audioTokens: Int? = nil) {
            self.cachedTokens = cachedTokens
            self.audioTokens = audioTokens
        }

        enum CodingKeys: String, CodingKey {
            case cachedTokens = "cached_tokens"
            case audioTokens = "audio_tokens"
        }
    }

    /// What the completion tokens were.
    public struct CompletionTokensDetails: Codable, Sendable, Equatable {
        /// `reasoning_tokens`: always 0 (no hidden reasoning is generated).
        public var reasoningTokens: Int?
        /// `audio_tokens`: always 0 (the served models read and write text).
        public var audioTokens: Int?
        /// `accepted_prediction_tokens`: always 0 (predicted outputs are not supported).
        public var acceptedPredictionTokens: Int?
        /// `rejected_prediction_tokens`: always 0 (predicted outputs are not supported).
        public var rejectedPredictionTokens: Int?

        /// Creates an `Usage.CompletionTokensDetails` from its fields.
        public init(
            reasoningTokens: Int? = nil,
            audioTokens: Int? = nil,
            acceptedPredictionTokens: Int? = nil,
            rejectedPredictionTokens: Int? = nil
        ) {
            self.reasoningTokens = reasoningTokens
            self.audioTokens = audioTokens
            self.acceptedPredictionTokens = acceptedPredictionTokens
            self.rejectedPredictionTokens = rejectedPredictionTokens
        }

        enum CodingKeys: String, CodingKey {
            case reasoningTokens = "reasoning_tokens"
            case audioTokens = "audio_tokens"
            case acceptedPredictionTokens = "accepted_prediction_tokens"
            case rejectedPredictionTokens = "rejected_prediction_tokens"
        }
    }
}

/// Embeddings count only prompt tokens.
public struct EmbeddingUsage: Codable, Sendable, Equatable {
    /// `prompt_tokens`: tokens of the prompt(s) as the model saw them.
    public var promptTokens: Int
    /// `total_tokens`: the same as `prompt_tokens` (embeddings generate nothing).
    public var totalTokens: Int

    /// Creates an `EmbeddingUsage` from its fields.
    public init(promptTokens: Int) {
        self.promptTokens = promptTokens
        self.totalTokens = promptTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case totalTokens = "total_tokens"
    }
}
