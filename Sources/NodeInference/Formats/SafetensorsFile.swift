import Foundation

/// One `.safetensors` file over a memory mapping: an 8-byte little-endian header size, a JSON
/// header `{name: {dtype, shape, data_offsets}}`, then the tensor bytes. Every tensor's bytes
/// are checked to lie inside the file, to match its shape and dtype, and not to overlap.
/// Follows https://github.com/huggingface/safetensors (format description).
package struct SafetensorsFile: Sendable {
    package enum DType: String, Sendable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        var size: Int {
            switch self {
            case .f64, .i64: 8
            case .f32, .i32: 4
            case .f16, .bf16, .i16: 2
            case .i8, .u8, .bool: 1
            }
        }

        /// The runtime's element type, for the dtypes it computes with.
        package var tensorType: TensorType? {
            switch self {
            case .f32: .f32
            case .f16: .f16
            case .bf16: .bf16
            default: nil
            }
        }
    }

    package struct TensorInfo: Sendable, Equatable {
        package var name: String
        package var dtype: DType
        /// Row-major, outermost first (`[out, in]` for a linear layer).
        package var shape: [Int]
        /// Absolute offset in the file.
        package var offset: Int
        package var byteCount: Int
    }

    /// Headers are JSON text; anything larger is not a checkpoint header.
    package static let maxHeaderBytes = 100 << 20

    package let path: String
    package let tensors: [String: TensorInfo]
    package let metadata: [String: String]
    let file: MappedFile

    package init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    package init(file: MappedFile) throws(SafetensorsError) {
        self.file = file
        self.path = file.path
        let name = (file.path as NSString).lastPathComponent
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw .truncated(file: name) }
        let headerSize = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard headerSize <= UInt64(Self.maxHeaderBytes), headerSize <= UInt64(bytes.count - 8) else {
            throw .headerTooLarge(file: name, size: headerSize)
        }
        let headerData = Data(bytes[8..<(8 + Int(headerSize))])
        guard case .object(let header)? = try? JSONDecoder().decode(JSONValue.self, from: headerData) else {
            throw .invalidHeader(file: name, reason: "not a JSON object")
        }
        let dataStart = 8 + Int(headerSize)
        let dataSize = bytes.count - dataStart
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in header {
            if key == "__metadata__" {
                guard case .object(let entries) = value else { throw .invalidHeader(file: name, reason: "__metadata__ is not an object") }
                for (metaKey, metaValue) in entries {
                    if case .string(let text) = metaValue { metadata[metaKey] = text }
                }
                continue
            }
            guard case .object(let fields) = value, case .string(let dtypeName)? = fields["dtype"],
                case .array(let shapeValues)? = fields["shape"], case .array(let offsetValues)? = fields["data_offsets"]
            else { throw .invalidHeader(file: name, reason: "tensor '\(key)' lacks dtype, shape or data_offsets") }
            guard let dtype = DType(rawValue: dtypeName) else { throw .unknownDType(tensor: key, dtype: dtypeName) }
            var shape: [Int] = []
            var elements = 1
            for dimension in shapeValues {
                guard case .integer(let size) = dimension, size >= 0 else { throw .badShape(tensor: key) }
                let (product, overflow) = elements.multipliedReportingOverflow(by: size)
                guard !overflow else { throw .badShape(tensor: key) }
                elements = product
                shape.append(size)
            }
            guard shape.count <= 8 else { throw .badShape(tensor: key) }
            guard offsetValues.count == 2, case .integer(let begin) = offsetValues[0], case .integer(let end) = offsetValues[1],
                begin >= 0, begin <= end
            else { throw .badOffsets(tensor: key, reason: "expected [begin, end] with 0 ≤ begin ≤ end") }
            guard end <= dataSize else { throw .badOffsets(tensor: key, reason: "end \(end) is past the \(dataSize) data bytes") }
            let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, end - begin == expected else {
                throw .badOffsets(tensor: key, reason: "\(end - begin) bytes for \(elements) elements of \(dtype.rawValue)")
            }
            tensors[key] = TensorInfo(name: key, dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: end - begin)
        }
        let ordered = tensors.values.filter { $0.byteCount > 0 }.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw .overlappingTensors(a.name, b.name)
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    package func data(of tensor: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + tensor.byteCount)])
    }
}

/// A checkpoint: one `model.safetensors`, or shards listed by `model.safetensors.index.json`.
package struct SafetensorsCheckpoint: Sendable {
    package let files: [SafetensorsFile]
    private let location: [String: Int]

    /// Opens the checkpoint in a model folder.
    package init(folder: String) throws {
        let fileManager = FileManager.default
        let index = (folder as NSString).appendingPathComponent("model.safetensors.index.json")
        let single = (folder as NSString).appendingPathComponent("model.safetensors")
        var files: [SafetensorsFile] = []
        if fileManager.fileExists(atPath: index) {
            guard let data = fileManager.contents(atPath: index),
                case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data),
                case .object(let weightMap)? = root["weight_map"]
            else { throw SafetensorsError.invalidIndex(file: "model.safetensors.index.json", reason: "no weight_map object") }
            var shardNames: [String] = []
            for case .string(let shard) in weightMap.values where !shardNames.contains(shard) { shardNames.append(shard) }
            for shard in shardNames.sorted() {
                guard !shard.contains("/"), !shard.hasPrefix(".") else {
                    throw SafetensorsError.invalidIndex(file: "model.safetensors.index.json", reason: "shard name '\(shard)' leaves the folder")
                }
                files.append(try SafetensorsFile(path: (folder as NSString).appendingPathComponent(shard)))
            }
        } else {
            files.append(try SafetensorsFile(path: single))
        }
        var location: [String: Int] = [:]
        for (number, file) in files.enumerated() {
            for name in file.tensors.keys {
                guard location.updateValue(number, forKey: name) == nil else {
                    throw SafetensorsError.invalidIndex(file: (file.path as NSString).lastPathComponent, reason: "tensor '\(name)' appears in two shards")
                }
            }
        }
        self.files = files
        self.location = location
    }

    package func tensor(_ name: String) -> (SafetensorsFile, SafetensorsFile.TensorInfo)? {
        guard let number = location[name], let info = files[number].tensors[name] else { return nil }
        return (files[number], info)
    }
}
