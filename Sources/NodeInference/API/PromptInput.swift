/// The four shapes of `prompt` (completions) and `input` (embeddings): a string, an array of
/// strings, an array of token ids, or an array of arrays of token ids.
public enum PromptInput: Codable, Sendable, Equatable {
    /// One prompt as text.
    case text(String)
    /// Several prompts as text.
    case texts([String])
    /// One prompt as token ids.
    case tokens([Int])
    /// Several prompts as token ids.
    case tokenBatches([[Int]])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try container.decodeIfPresent(as: String.self) {
            self = .text(value)
        } else if let value = try container.decodeIfPresent(as: [String].self) {
            self = .texts(value)
        } else if let value = try? container.decode([Int].self) {
            self = .tokens(value)
        } else if let value = try? container.decode([[Int]].self) {
            self = .tokenBatches(value)
        } else {
            throw DecodingError.typeMismatch(
                PromptInput.self,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "expected a string, an array of strings, an array of token ids or an array of arrays of token ids"
                )
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let value): try container.encode(value)
        case .texts(let value): try container.encode(value)
        case .tokens(let value): try container.encode(value)
        case .tokenBatches(let value): try container.encode(value)
        }
    }

    /// How many separate inputs this holds (one per string or per token sequence).
    public var count: Int {
        switch self {
        case .text, .tokens: 1
        case .texts(let values): values.count
        case .tokenBatches(let values): values.count
        }
    }
}
