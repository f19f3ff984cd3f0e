/// Element types of tensors, with GGML's numeric ids (as GGUF stores them) and block layouts.
/// Follows https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (ggml_type).
public enum TensorType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// 32-bit floats.
    case f32 = 0
    /// IEEE half floats.
    case f16 = 1
    /// Blocks of 32: an f16 scale and 4-bit quants with an offset of 8.
    case q4_0 = 2
    /// Blocks of 32: an f16 scale and minimum, 4-bit quants.
    case q4_1 = 3
    /// Blocks of 32: an f16 scale, 5-bit quants with an offset of 16.
    case q5_0 = 6
    /// Blocks of 32: an f16 scale and minimum, 5-bit quants.
    case q5_1 = 7
    /// Blocks of 32: an f16 scale and 8-bit quants.
    case q8_0 = 8
    /// Blocks of 32: 8-bit quants with a scale and a scaled sum (llama.cpp's activation type; not
    /// read).
    case q8_1 = 9
    /// Super-blocks of 256, 2-bit (not read: a model with it is refused, naming the tensor).
    case q2_K = 10
    /// Super-blocks of 256, 3-bit (not read: a model with it is refused, naming the tensor).
    case q3_K = 11
    /// Super-blocks of 256: eight blocks of 32 with 6-bit scales and minimums, 4-bit quants.
    case q4_K = 12
    /// Super-blocks of 256: as Q4_K with a fifth bit per quant.
    case q5_K = 13
    /// Super-blocks of 256: sixteen blocks of 16 with 8-bit scales, 6-bit quants.
    case q6_K = 14
    /// Super-blocks of 256, 8-bit (llama.cpp's activation type; not read).
    case q8_K = 15
    /// bfloat16.
    case bf16 = 30

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18  // f16 scale + 16 bytes of nibbles
        case .q4_1: 20  // f16 scale, f16 min + 16 bytes of nibbles
        case .q5_0: 22  // f16 scale, 4 bytes of high bits, 16 bytes of nibbles
        case .q5_1: 24  // f16 scale, f16 min, 4 bytes of high bits, 16 bytes of nibbles
        case .q8_0: 34  // f16 scale + 32 signed bytes
        case .q8_1: 36  // f16 scale, f16 sum + 32 signed bytes
        case .q2_K: 84
        case .q3_K: 110
        case .q4_K: 144  // f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
        case .q5_K: 176  // as Q4_K plus 32 bytes of high bits
        case .q6_K: 210  // 128 bytes low nibbles, 64 bytes high bits, 16 int8 scales, f16 d
        case .q8_K: 292
        }
    }

    /// Whether the runtime can compute with this type (the others can be read, not run).
    public var isSupported: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K: true
        case .q8_1, .q2_K, .q3_K, .q8_K: false
        }
    }

    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        }
    }

    /// Bytes of `count` elements, or `nil` when `count` is not whole blocks or overflows.
    public func byteCount(elements count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }
}
