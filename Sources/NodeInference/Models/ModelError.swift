/// A model file that cannot be served, with the reason.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedArchitecture(String)
    case missingTensor(String)
    case tensorShape(name: String, expected: [Int], found: [Int])
    case unsupportedTensorType(name: String, type: String)
    case invalidConfiguration(String)
    case tokenOutOfRange(token: Int, vocabularySize: Int)
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
