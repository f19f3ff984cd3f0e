/// A tokenizer description that cannot be used, with the reason.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedModel(String)
    case missingField(String)
    case invalidField(String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedModel(let name): "unsupported tokenizer model '\(name)'"
        case .missingField(let name): "tokenizer field '\(name)' is missing"
        case .invalidField(let name, let reason): "tokenizer field '\(name)' is invalid: \(reason)"
        }
    }
}
