import Foundation
import NodeInference
import Testing

@Suite("safetensors reader: structure checks, each a typed error")
struct SafetensorsTests {
    static func file(header: String, data: [UInt8] = [], declaredSize: UInt64? = nil) throws -> String {
        var bytes = withUnsafeBytes(of: (declaredSize ?? UInt64(header.utf8.count)).littleEndian) { Array($0) }
        bytes += Array(header.utf8) + data
        return try GGUFBuilder.write(bytes)
    }

    /// Opens a crafted file and returns the error it raises (failing the test if it opens).
    func error(_ header: String, data: [UInt8] = [], declaredSize: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> SafetensorsError?
    {
        let path = try Self.file(header: header, data: data, declaredSize: declaredSize)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try SafetensorsFile(path: path)
            Issue.record("expected an error", sourceLocation: sourceLocation)
            return nil
        } catch let error as SafetensorsError {
            return error
        }
    }

    @Test func validFile() throws {
        let path = try Self.file(
            header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[8,12]},"__metadata__":{"format":"pt"}}"#,
            data: [UInt8](repeating: 0, count: 12))
        let file = try SafetensorsFile(path: path)
        #expect(file.tensors["a"]?.shape == [2])
        #expect(file.tensors["b"]?.dtype == .bf16)
        #expect(file.tensors["b"]?.dtype.tensorType == .bf16)
        #expect(file.metadata == ["format": "pt"])
    }

    @Test func truncatedAndOversizedHeaders() throws {
        let tiny = try GGUFBuilder.write([1, 2, 3])
        #expect { try SafetensorsFile(path: tiny) } throws: { if case .truncated = $0 as? SafetensorsError { true } else { false } }
        guard case .headerTooLarge(_, let size)? = try error("{}", declaredSize: 1 << 40) else { Issue.record("wrong error"); return }
        #expect(size == 1 << 40)
        guard case .headerTooLarge? = try error("{}", declaredSize: 3) else { Issue.record("wrong error"); return }
    }

    @Test func invalidHeaders() throws {
        guard case .invalidHeader? = try error("[1,2]") else { Issue.record("array header"); return }
        guard case .invalidHeader? = try error("{not json") else { Issue.record("bad JSON"); return }
        guard case .invalidHeader? = try error(#"{"a":{"dtype":"F32","shape":[2]}}"#) else { Issue.record("no offsets"); return }
        guard case .invalidHeader? = try error(#"{"__metadata__":[1]}"#) else { Issue.record("metadata"); return }
    }

    @Test func tensorEntries() throws {
        #expect(try error(#"{"a":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0]) == .unknownDType(tensor: "a", dtype: "F8"))
        #expect(try error(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)) == .badShape(tensor: "a"))
        #expect(
            try error(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
                == .badShape(tensor: "a"))
        guard case .badOffsets("a", _)? = try error(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,80]}}"#, data: [UInt8](repeating: 0, count: 8))
        else { Issue.record("past the end"); return }
        guard case .badOffsets("a", _)? = try error(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 8))
        else { Issue.record("size mismatch"); return }
        guard case .badOffsets("a", _)? = try error(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: [UInt8](repeating: 0, count: 8))
        else { Issue.record("reversed"); return }
        #expect(
            try error(
                #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                data: [UInt8](repeating: 0, count: 12)) == .overlappingTensors("a", "b"))
    }

    /// Every prefix and random corruptions of a valid file end in an error or a success, never a trap.
    @Test func truncationsAndCorruptionsNeverTrap() throws {
        let header = #"{"a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}"#
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8)
        bytes += [UInt8](repeating: 1, count: 8)
        var state: UInt64 = 42
        for round in 0..<(bytes.count + 300) {
            var copy = bytes
            if round < bytes.count {
                copy = Array(bytes.prefix(round))
            } else {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                copy[Int((state >> 33) % UInt64(copy.count))] = UInt8(truncatingIfNeeded: state >> 13)
            }
            let path = try GGUFBuilder.write(copy)
            _ = try? SafetensorsFile(path: path)
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test func shardIndexProblems() throws {
        let folder = TestFiles.url("shards")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        try Data(#"{"weight_map": {"a": "../../etc/passwd"}}"#.utf8).write(to: index)
        #expect(throws: SafetensorsError.self) { try SafetensorsCheckpoint(folder: folder.path) }
        try Data(#"{"weight_map": 3}"#.utf8).write(to: index)
        #expect(throws: SafetensorsError.self) { try SafetensorsCheckpoint(folder: folder.path) }
        // The same tensor in two shards.
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        for shard in ["one.safetensors", "two.safetensors"] {
            let bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8) + [0, 0, 0, 0]
            try Data(bytes).write(to: folder.appendingPathComponent(shard))
        }
        try Data(#"{"weight_map": {"a": "one.safetensors", "b": "two.safetensors"}}"#.utf8).write(to: index)
        #expect(throws: SafetensorsError.self) { try SafetensorsCheckpoint(folder: folder.path) }
    }
}
