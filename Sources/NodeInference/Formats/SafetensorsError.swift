/// Everything that can be wrong with a safetensors file or a sharded checkpoint.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(file: String)
    case headerTooLarge(file: String, size: UInt64)
    case invalidHeader(file: String, reason: String)
    case unknownDType(tensor: String, dtype: String)
    case badShape(tensor: String)
    case badOffsets(tensor: String, reason: String)
    case overlappingTensors(String, String)
    case invalidIndex(file: String, reason: String)
    case missingTensor(String)

    public var description: String {
        switch self {
        case .truncated(let file): "\(file): the file ends before its header does"
        case .headerTooLarge(let file, let size): "\(file): header of \(size) bytes exceeds the limit or the file"
        case .invalidHeader(let file, let reason): "\(file): invalid header: \(reason)"
        case .unknownDType(let tensor, let dtype): "tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case .badShape(let tensor): "tensor '\(tensor)' has an invalid shape"
        case .badOffsets(let tensor, let reason): "tensor '\(tensor)' has invalid data_offsets: \(reason)"
        case .overlappingTensors(let a, let b): "tensors '\(a)' and '\(b)' overlap"
        case .invalidIndex(let file, let reason): "\(file): \(reason)"
        case .missingTensor(let name): "the checkpoint has no tensor '\(name)'"
        }
    }
}
