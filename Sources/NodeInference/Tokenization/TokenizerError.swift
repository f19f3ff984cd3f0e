/// A tokenizer description that cannot be used, with the reason.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tokenizer model type this library does not implement.
    case unsupportedModel(String)
    /// A field the tokenizer needs is absent.
    case missingField(String)
    /// A field holds an invalid value.
    case invalidField(String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedModel(let name): "unsupported tokenizer model '\(name)'"
        case .missingField(let name): "tokenizer field '\(name)' is missing"
        case .invalidField(let name, let reason): "tokenizer field '\(name)' is invalid: \(reason)"
        }
    }
}
