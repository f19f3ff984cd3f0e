/// Everything that can be wrong with a GGUF file, each a case of its own so that a message
/// names the problem and a test can provoke each one. Offsets are byte offsets in the file.
public enum GGUFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not start with `GGUF`.
    case badMagic(found: UInt32)
    /// A GGUF version other than 2 or 3.
    case unsupportedVersion(UInt32)
    /// The file ends inside `what`, at byte `offset`.
    case truncated(what: String, offset: Int)
    /// A declared count (tensors, keys, array elements) that the file cannot possibly hold.
    case countTooLarge(what: String, count: UInt64)
    /// A string's length runs past the end of the file.
    case stringPastEnd(what: String, offset: Int, length: UInt64)
    /// A string is not valid UTF-8.
    case invalidUTF8(what: String, offset: Int)
    /// A metadata value has a type code GGUF does not define.
    case unknownValueType(key: String, type: UInt32)
    /// Arrays nested deeper than any real file needs (a guard against hostile files).
    case arrayNestingTooDeep(key: String)
    /// A metadata key appears twice.
    case duplicateKey(String)
    /// A tensor name appears twice.
    case duplicateTensor(String)
    /// `general.alignment` is not a power of two.
    case badAlignment(value: String)
    /// A tensor with more than four dimensions.
    case tooManyDimensions(tensor: String, count: UInt32)
    /// A tensor with a zero or absurd dimension.
    case invalidDimensions(tensor: String, dimensions: [UInt64])
    /// A tensor whose element count overflows.
    case elementCountOverflow(tensor: String)
    /// A tensor type code GGUF does not define.
    case unknownTensorType(tensor: String, type: UInt32)
    /// A tensor's rows are not whole blocks of its quantization type.
    case rowNotWholeBlocks(tensor: String, type: String, rowLength: Int)
    /// A tensor's data is not aligned as the file says.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor's data runs past the end of the file.
    case tensorOutOfBounds(tensor: String, offset: UInt64, size: UInt64, available: Int)
    /// Two tensors' data overlap.
    case overlappingTensors(String, String)
    /// A metadata key the model needs is absent.
    case missingKey(String)
    /// A metadata key has another type than the model needs.
    case wrongValueType(key: String, expected: String)
    /// A tensor the model needs is absent.
    case missingTensor(String)

    public var description: String {
        switch self {
        case .badMagic(let found):
            return String(format: "not a GGUF file (magic 0x%08X, expected 'GGUF')", found)
        case .unsupportedVersion(let version):
            return "unsupported GGUF version \(version) (2 and 3 are supported)"
        case .truncated(let what, let offset):
            return "file ends inside \(what) (at byte \(offset))"
        case .countTooLarge(let what, let count):
            return "\(what) count \(count) is larger than the file can hold"
        case .stringPastEnd(let what, let offset, let length):
            return "string of \(length) bytes in \(what) runs past the end of the file (at byte \(offset))"
        case .invalidUTF8(let what, let offset):
            return "string in \(what) is not valid UTF-8 (at byte \(offset))"
        case .unknownValueType(let key, let type):
            return "metadata key '\(key)' has unknown value type \(type)"
        case .arrayNestingTooDeep(let key):
            return "metadata key '\(key)' nests arrays too deeply"
        case .duplicateKey(let key):
            return "metadata key '\(key)' appears twice"
        case .duplicateTensor(let name):
            return "tensor '\(name)' appears twice"
        case .badAlignment(let value):
            return "general.alignment \(value) is not a power of two between 1 and 65536"
        case .tooManyDimensions(let tensor, let count):
            return "tensor '\(tensor)' has \(count) dimensions (at most 4)"
        case .invalidDimensions(let tensor, let dimensions):
            return "tensor '\(tensor)' has invalid dimensions \(dimensions)"
        case .elementCountOverflow(let tensor):
            return "tensor '\(tensor)' has more elements than can be addressed"
        case .unknownTensorType(let tensor, let type):
            return "tensor '\(tensor)' has unknown or unsupported type \(type)"
        case .rowNotWholeBlocks(let tensor, let type, let rowLength):
            return "tensor '\(tensor)' of type \(type) has rows of \(rowLength) elements, not a whole number of blocks"
        case .misalignedTensor(let tensor, let offset, let alignment):
            return "tensor '\(tensor)' data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .tensorOutOfBounds(let tensor, let offset, let size, let available):
            return "tensor '\(tensor)' data (\(size) bytes at offset \(offset)) lies outside the \(available) bytes of tensor data"
        case .overlappingTensors(let a, let b):
            return "tensors '\(a)' and '\(b)' overlap"
        case .missingKey(let key):
            return "metadata key '\(key)' is missing"
        case .wrongValueType(let key, let expected):
            return "metadata key '\(key)' is not \(expected)"
        case .missingTensor(let name):
            return "tensor '\(name)' is missing"
        }
    }
}
