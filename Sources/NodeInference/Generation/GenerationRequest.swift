/// What to generate: engine words, independent of any HTTP schema.
public struct GenerationRequest: Sendable, Equatable {
    public var promptTokens: [Int]
    /// At most this many new tokens; generation also ends at the context length.
    public var maxTokens: Int

    public init(promptTokens: [Int], maxTokens: Int) {
        self.promptTokens = promptTokens
        self.maxTokens = maxTokens
    }
}

/// Why generation ended.
public enum GenerationStop: String, Sendable, Equatable {
    /// An end-of-generation token of the model (not included in the output).
    case endOfGeneration
    /// `maxTokens` reached.
    case maxTokens
    /// The context length reached.
    case contextFull
}

/// What a generation stream yields.
public enum GenerationEvent: Sendable, Equatable {
    /// One generated token and the text it completed (empty while a character is unfinished).
    case token(id: Int, text: String)
    /// Text left over at the end (the repaired bytes of an unfinished character).
    case text(String)
    case finished(GenerationStop, promptTokens: Int, completionTokens: Int)
}
