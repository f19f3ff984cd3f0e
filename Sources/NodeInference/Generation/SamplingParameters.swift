/// How the next token is chosen, in engine words. Defaults leave the distribution unchanged.
public struct SamplingParameters: Sendable, Equatable {
    /// 0 chooses greedily.
    public var temperature: Float = 1
    /// Nucleus sampling: keep the most likely tokens whose probabilities sum to this.
    public var topP: Float = 1
    /// Keep the `topK` most likely tokens; 0 keeps all.
    public var topK: Int = 0
    /// Keep tokens at least this fraction as likely as the most likely one.
    public var minP: Float = 0
    /// OpenAI's penalties on tokens already generated: `presence` once, `frequency` per occurrence.
    public var presencePenalty: Float = 0
    /// `frequency_penalty`, −2…2: penalises tokens by how often they appeared.
    public var frequencyPenalty: Float = 0
    /// Hugging Face's multiplicative penalty on tokens of the prompt and the output; 1 is none.
    public var repetitionPenalty: Float = 1
    /// Added to the logit of each token; -100 bans a token, 100 forces it.
    public var logitBias: [Int: Float] = [:]
    /// The same seed and request give the same output.
    public var seed: UInt64?

    /// An empty `SamplingParameters` (every field at its default).
    public init() {}
}
