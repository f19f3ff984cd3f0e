import Foundation

/// Writes GGUF bytes for tests, with hooks to break each structural rule on purpose.
struct GGUFBuilder {
    struct Tensor {
        var name: String
        var dimensions: [UInt64]
        var type: UInt32
        /// Relative to the data section; `nil` places it after the previous tensor, aligned.
        var offset: UInt64? = nil
        var data: [UInt8] = []
    }

    var magic: UInt32 = 0x4655_4747
    var version: UInt32 = 3
    var keyCountOverride: UInt64?
    var tensorCountOverride: UInt64?
    var alignment = 32
    private(set) var metadata: [UInt8] = []
    private(set) var keyCount: UInt64 = 0
    var tensors: [Tensor] = []

    static func string(_ text: String) -> [UInt8] {
        le(UInt64(text.utf8.count)) + Array(text.utf8)
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Adds a key with a raw type id and already-encoded value bytes.
    mutating func raw(_ key: String, type: UInt32, _ value: [UInt8]) {
        metadata += Self.string(key) + Self.le(type) + value
        keyCount += 1
    }

    mutating func uint32(_ key: String, _ value: UInt32) { raw(key, type: 4, Self.le(value)) }
    mutating func float32(_ key: String, _ value: Float) { raw(key, type: 6, Self.le(value.bitPattern)) }
    mutating func string(_ key: String, _ value: String) { raw(key, type: 8, Self.string(value)) }
    mutating func bool(_ key: String, _ value: Bool) { raw(key, type: 7, [value ? 1 : 0]) }
    mutating func strings(_ key: String, _ values: [String]) {
        raw(key, type: 9, Self.le(UInt32(8)) + Self.le(UInt64(values.count)) + values.flatMap(Self.string))
    }

    mutating func f32Tensor(_ name: String, _ values: [Float], dimensions: [UInt64]? = nil) {
        let bytes = values.flatMap { Self.le($0.bitPattern) }
        tensors.append(Tensor(name: name, dimensions: dimensions ?? [UInt64(values.count)], type: 0, data: bytes))
    }

    func build() -> [UInt8] {
        var out = Self.le(magic) + Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(tensors.count))
        out += Self.le(keyCountOverride ?? keyCount)
        out += metadata
        var offsets: [UInt64] = []
        var next: UInt64 = 0
        for tensor in tensors {
            let offset = tensor.offset ?? next
            offsets.append(offset)
            next = (offset &+ UInt64(tensor.data.count) &+ UInt64(alignment) - 1) / UInt64(alignment) * UInt64(alignment)
            out += Self.string(tensor.name) + Self.le(UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { out += Self.le(dimension) }
            out += Self.le(tensor.type) + Self.le(offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataStart = out.count
        for (tensor, offset) in zip(tensors, offsets) where offset < 1 << 20 {
            let end = dataStart + Int(offset) + tensor.data.count
            if out.count < end { out += [UInt8](repeating: 0, count: end - out.count) }
            out.replaceSubrange((dataStart + Int(offset))..<end, with: tensor.data)
        }
        return out
    }

    func write() throws -> String {
        try Self.write(build())
    }

    static func write(_ bytes: [UInt8]) throws -> String {
        let path = TestFiles.url("gguf", suffix: ".gguf").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// One folder per test process for the files the tests write, removed when the process exits,
/// so a test that stops midway leaves nothing in the temporary directory either.
enum TestFiles {
    static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cyxwiz-node-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestFiles.root) }
        return url
    }()

    /// A fresh name inside ``root``.
    static func url(_ prefix: String, suffix: String = "") -> URL {
        root.appendingPathComponent("\(prefix)-\(UUID().uuidString)\(suffix)")
    }
}
