/// A parsed GGUF file (versions 2 and 3) over a memory mapping. Parsing checks the whole
/// structure — magic, version, counts, strings, keys, alignment, dimensions, types, and that
/// every tensor's bytes lie inside the file without overlapping another — so that code using
/// a `GGUFFile` can index tensor data without further checks.
/// Follows https://github.com/ggml-org/ggml/blob/master/docs/gguf.md.
package struct GGUFFile: Sendable {
    package struct TensorInfo: Sendable, Equatable {
        package var name: String
        package var type: TensorType
        /// GGML order: `dimensions[0]` is the row length (contiguous), then rows, ...
        package var dimensions: [Int]
        /// Absolute offset of the data in the file.
        package var offset: Int
        package var byteCount: Int

        package var elementCount: Int { dimensions.reduce(1, *) }
    }

    package let version: UInt32
    package let metadata: [String: GGUFValue]
    /// Tensors in file order.
    package let tensors: [TensorInfo]
    package let alignment: Int
    let file: MappedFile
    private let index: [String: Int]

    static let magic: UInt32 = 0x4655_4747  // "GGUF" read little-endian
    static let maxDimensions: UInt32 = 4
    static let maxArrayDepth = 4

    package init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    package init(file: MappedFile) throws(GGUFError) {
        self.file = file
        var cursor = ByteCursor(file.bytes)

        let magic = try cursor.read(UInt32.self, what: "the header")
        guard magic == Self.magic else { throw .badMagic(found: magic) }
        version = try cursor.read(UInt32.self, what: "the header")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        let tensorCount = try cursor.read(UInt64.self, what: "the header")
        let keyCount = try cursor.read(UInt64.self, what: "the header")
        // Smallest possible entries: a key is 8 (length) + 1 + 4 (type) + 1 (value) bytes;
        // a tensor info 8 (name length) + 4 (dimension count) + 8 (one dimension) + 4 + 8.
        guard keyCount <= UInt64(cursor.remaining / 14) else { throw .countTooLarge(what: "metadata key", count: keyCount) }
        guard tensorCount <= UInt64(cursor.remaining / 32) else { throw .countTooLarge(what: "tensor", count: tensorCount) }

        var metadata: [String: GGUFValue] = [:]
        metadata.reserveCapacity(Int(keyCount))
        for number in 0..<Int(keyCount) {
            let key = try cursor.readString(what: "metadata key #\(number)")
            let type = try cursor.read(UInt32.self, what: "the type of '\(key)'")
            let value = try Self.readValue(type: type, key: key, cursor: &cursor, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else { throw .duplicateKey(key) }
        }
        self.metadata = metadata

        var alignment = 32
        if let declared = metadata["general.alignment"] {
            guard case .uint(let value) = declared, value > 0, value <= 65536, value & (value - 1) == 0 else {
                throw .badAlignment(value: "\(declared)")
            }
            alignment = Int(value)
        }
        self.alignment = alignment

        struct RawTensor {
            var name: String, type: TensorType, dimensions: [Int], relativeOffset: UInt64, byteCount: Int
        }
        var raw: [RawTensor] = []
        raw.reserveCapacity(Int(tensorCount))
        var index: [String: Int] = [:]
        for number in 0..<Int(tensorCount) {
            let name = try cursor.readString(what: "the name of tensor #\(number)")
            let dimensionCount = try cursor.read(UInt32.self, what: "tensor '\(name)'")
            guard dimensionCount >= 1, dimensionCount <= Self.maxDimensions else {
                throw .tooManyDimensions(tensor: name, count: dimensionCount)
            }
            var dimensions: [UInt64] = []
            for _ in 0..<dimensionCount { dimensions.append(try cursor.read(UInt64.self, what: "tensor '\(name)'")) }
            let typeID = try cursor.read(UInt32.self, what: "tensor '\(name)'")
            let offset = try cursor.read(UInt64.self, what: "tensor '\(name)'")

            guard dimensions.allSatisfy({ $0 >= 1 && $0 <= UInt64(Int64.max) }) else {
                throw .invalidDimensions(tensor: name, dimensions: dimensions)
            }
            var elements = 1
            for dimension in dimensions {
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dimension))
                guard !overflow else { throw .elementCountOverflow(tensor: name) }
                elements = product
            }
            guard let type = TensorType(rawValue: typeID) else { throw .unknownTensorType(tensor: name, type: typeID) }
            let rowLength = Int(dimensions[0])
            guard rowLength % type.blockSize == 0, let bytes = type.byteCount(elements: elements) else {
                throw .rowNotWholeBlocks(tensor: name, type: type.description, rowLength: rowLength)
            }
            guard offset % UInt64(alignment) == 0 else { throw .misalignedTensor(tensor: name, offset: offset, alignment: alignment) }
            guard index.updateValue(raw.count, forKey: name) == nil else { throw .duplicateTensor(name) }
            raw.append(RawTensor(name: name, type: type, dimensions: dimensions.map { Int($0) }, relativeOffset: offset, byteCount: bytes))
        }

        // The data section starts at the next multiple of the alignment.
        let headerEnd = cursor.offset
        let dataStart = (headerEnd + alignment - 1) / alignment * alignment
        let available = max(0, file.count - dataStart)
        if !raw.isEmpty, dataStart > file.count {
            throw .truncated(what: "the padding before tensor data", offset: file.count)
        }
        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(raw.count)
        for tensor in raw {
            let (end, overflow) = tensor.relativeOffset.addingReportingOverflow(UInt64(tensor.byteCount))
            guard !overflow, end <= UInt64(available) else {
                throw .tensorOutOfBounds(
                    tensor: tensor.name, offset: tensor.relativeOffset, size: UInt64(tensor.byteCount), available: available)
            }
            tensors.append(
                TensorInfo(
                    name: tensor.name, type: tensor.type, dimensions: tensor.dimensions,
                    offset: dataStart + Int(tensor.relativeOffset), byteCount: tensor.byteCount))
        }
        let byOffset = tensors.filter { $0.byteCount > 0 }.sorted {
            $0.offset != $1.offset ? $0.offset < $1.offset : $0.byteCount < $1.byteCount
        }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw .overlappingTensors(a.name, b.name)
        }
        self.tensors = tensors
        self.index = index
    }

    private static func readValue(type: UInt32, key: String, cursor: inout ByteCursor, depth: Int) throws(GGUFError)
        -> GGUFValue
    {
        let what = "the value of '\(key)'"
        switch type {
        case 0: return .uint(UInt64(try cursor.read(UInt8.self, what: what)))
        case 1: return .int(Int64(try cursor.read(Int8.self, what: what)))
        case 2: return .uint(UInt64(try cursor.read(UInt16.self, what: what)))
        case 3: return .int(Int64(try cursor.read(Int16.self, what: what)))
        case 4: return .uint(UInt64(try cursor.read(UInt32.self, what: what)))
        case 5: return .int(Int64(try cursor.read(Int32.self, what: what)))
        case 6: return .float(Double(try cursor.readFloat(what: what)))
        case 7: return .bool(try cursor.read(UInt8.self, what: what) != 0)
        case 8: return .string(try cursor.readString(what: what))
        case 10: return .uint(try cursor.read(UInt64.self, what: what))
        case 11: return .int(try cursor.read(Int64.self, what: what))
        case 12: return .float(try cursor.readDouble(what: what))
        case 9:
            guard depth < maxArrayDepth else { throw .arrayNestingTooDeep(key: key) }
            let elementType = try cursor.read(UInt32.self, what: what)
            let count = try cursor.read(UInt64.self, what: what)
            guard let size = minimumSize(of: elementType) else { throw .unknownValueType(key: key, type: elementType) }
            guard count <= UInt64(cursor.remaining / size) else { throw .countTooLarge(what: "array element of '\(key)'", count: count) }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(type: elementType, key: key, cursor: &cursor, depth: depth + 1))
            }
            return .array(values)
        default:
            throw .unknownValueType(key: key, type: type)
        }
    }

    /// The fewest bytes a value of the type occupies, to bound declared counts.
    private static func minimumSize(of type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8, 10, 11, 12: 8
        case 9: 12
        default: nil
        }
    }

    package func tensor(_ name: String) -> TensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The bytes of a tensor, inside the mapping (checked at parse time).
    package func data(of tensor: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + tensor.byteCount)])
    }

    package var mappedFile: MappedFile { file }
}

extension GGUFFile {
    package func string(_ key: String) throws(GGUFError) -> String {
        guard let value = metadata[key] else { throw .missingKey(key) }
        guard let string = value.stringValue else { throw .wrongValueType(key: key, expected: "a string") }
        return string
    }

    package func int(_ key: String) throws(GGUFError) -> Int {
        guard let value = metadata[key] else { throw .missingKey(key) }
        guard let int = value.intValue else { throw .wrongValueType(key: key, expected: "an integer") }
        return int
    }

    package func double(_ key: String) throws(GGUFError) -> Double {
        guard let value = metadata[key] else { throw .missingKey(key) }
        guard let double = value.doubleValue else { throw .wrongValueType(key: key, expected: "a number") }
        return double
    }
}
