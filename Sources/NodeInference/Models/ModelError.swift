/// A model file that cannot be served, with the reason.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An architecture this runtime does not implement.
    case unsupportedArchitecture(String)
    /// A tensor the architecture needs is absent.
    case missingTensor(String)
    /// A tensor's shape does not match the configuration.
    case tensorShape(name: String, expected: [Int], found: [Int])
    /// A tensor in a type this runtime does not read.
    case unsupportedTensorType(name: String, type: String)
    /// Hyper-parameters that are missing or inconsistent.
    case invalidConfiguration(String)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(token: Int, vocabularySize: Int)
    /// More positions than the context holds.
    case contextOverflow(positions: Int, contextLength: Int)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let name):
            return "unsupported model architecture '\(name)' (supported: \(ModelRegistry.supportedArchitectures.joined(separator: ", ")))"
        case .missingTensor(let name):
            return "the model has no tensor '\(name)'"
        case .tensorShape(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), expected \(expected)"
        case .unsupportedTensorType(let name, let type):
            return "tensor '\(name)' has type \(type), which this runtime cannot compute with"
        case .invalidConfiguration(let message):
            return "invalid model configuration: \(message)"
        case .tokenOutOfRange(let token, let size):
            return "token id \(token) is outside the vocabulary (0..<\(size))"
        case .contextOverflow(let positions, let contextLength):
            return "\(positions) positions exceed the context length of \(contextLength)"
        }
    }
}
