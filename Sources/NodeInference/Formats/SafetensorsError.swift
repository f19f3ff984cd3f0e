/// Everything that can be wrong with a safetensors file or a sharded checkpoint.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file ends before its header does.
    case truncated(file: String)
    /// The header is larger than any real file's (a guard against hostile files).
    case headerTooLarge(file: String, size: UInt64)
    /// The JSON header is malformed.
    case invalidHeader(file: String, reason: String)
    /// A dtype this runtime does not read.
    case unknownDType(tensor: String, dtype: String)
    /// A shape that does not match the tensor's byte length.
    case badShape(tensor: String)
    /// Data offsets outside the file or reversed.
    case badOffsets(tensor: String, reason: String)
    /// Two tensors' data overlap.
    case overlappingTensors(String, String)
    /// A sharded checkpoint's `model.safetensors.index.json` is malformed.
    case invalidIndex(file: String, reason: String)
    /// A tensor the model needs is absent.
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
