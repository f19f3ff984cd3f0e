import Foundation
import NodeInference
import Testing

@Suite("GGUF reader: structure checks, each a typed error")
struct GGUFReaderTests {
    func valid() -> GGUFBuilder {
        var builder = GGUFBuilder()
        builder.string("general.architecture", "llama")
        builder.uint32("llama.block_count", 2)
        builder.float32("llama.rope.freq_base", 10000)
        builder.bool("tokenizer.ggml.add_bos_token", true)
        builder.strings("tokenizer.ggml.tokens", ["a", "b", "ü"])
        builder.f32Tensor("norm.weight", [1, 2, 3, 4])
        builder.f32Tensor("matrix", (0..<8).map(Float.init), dimensions: [4, 2])
        return builder
    }

    func expect(_ builder: GGUFBuilder, throws expected: GGUFError, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expect(bytes: builder.build(), throws: expected, sourceLocation: sourceLocation)
    }

    func expect(bytes: [UInt8], throws expected: GGUFError, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = try GGUFBuilder.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: expected, sourceLocation: sourceLocation) { try GGUFFile(path: path) }
    }

    @Test func validFileParses() throws {
        let path = try valid().write()
        let file = try GGUFFile(path: path)
        #expect(file.version == 3)
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.int("llama.block_count") == 2)
        #expect(try file.double("llama.rope.freq_base") == 10000)
        #expect(file.metadata["tokenizer.ggml.add_bos_token"] == .bool(true))
        #expect(file.metadata["tokenizer.ggml.tokens"] == .array([.string("a"), .string("b"), .string("ü")]))
        #expect(file.tensors.map(\.name) == ["norm.weight", "matrix"])
        let matrix = try #require(file.tensor("matrix"))
        #expect(matrix.dimensions == [4, 2])
        #expect(matrix.type == .f32)
        #expect(matrix.byteCount == 32)
        #expect(matrix.offset % 32 == 0)
        #expect(throws: GGUFError.missingKey("nope")) { try file.string("nope") }
        #expect(throws: GGUFError.wrongValueType(key: "llama.block_count", expected: "a string")) {
            try file.string("llama.block_count")
        }
    }

    @Test func version2IsAccepted() throws {
        var builder = valid()
        builder.version = 2
        let path = try builder.write()
        #expect(try GGUFFile(path: path).version == 2)
    }

    @Test func badMagic() throws {
        var builder = valid()
        builder.magic = 0x4C4C_4747
        try expect(builder, throws: .badMagic(found: 0x4C4C_4747))
    }

    @Test(arguments: [UInt32(1), 4, 0xFFFF_FFFF])
    func unsupportedVersion(_ version: UInt32) throws {
        var builder = valid()
        builder.version = version
        try expect(builder, throws: .unsupportedVersion(version))
    }

    @Test func countsThatOverflowTheFile() throws {
        var keys = valid()
        keys.keyCountOverride = 1 << 40
        try expect(keys, throws: .countTooLarge(what: "metadata key", count: 1 << 40))
        var tensors = valid()
        tensors.tensorCountOverride = UInt64.max
        try expect(tensors, throws: .countTooLarge(what: "tensor", count: UInt64.max))
        var array = GGUFBuilder()
        array.raw("big", type: 9, GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(1) << 62))
        try expect(array, throws: .countTooLarge(what: "array element of 'big'", count: 1 << 62))
    }

    @Test func stringLengthPastTheEnd() throws {
        var builder = GGUFBuilder()
        builder.raw("name", type: 8, GGUFBuilder.le(UInt64(1) << 50) + Array("abc".utf8))
        try expect(builder, throws: .stringPastEnd(what: "the value of 'name'", offset: 24 + 12 + 4, length: 1 << 50))
    }

    @Test func invalidUTF8() throws {
        var builder = GGUFBuilder()
        builder.raw("name", type: 8, GGUFBuilder.le(UInt64(2)) + [0xC3, 0x28])
        try expect(builder, throws: .invalidUTF8(what: "the value of 'name'", offset: 40))
    }

    @Test func unknownValueTypes() throws {
        var scalar = GGUFBuilder()
        scalar.raw("odd", type: 13, [0])
        try expect(scalar, throws: .unknownValueType(key: "odd", type: 13))
        var element = GGUFBuilder()
        element.raw("odd", type: 9, GGUFBuilder.le(UInt32(77)) + GGUFBuilder.le(UInt64(1)) + [0])
        try expect(element, throws: .unknownValueType(key: "odd", type: 77))
    }

    @Test func arrayNestingIsBounded() throws {
        var value: [UInt8] = GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(0))
        for _ in 0..<6 { value = GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)) + value }
        var builder = GGUFBuilder()
        builder.raw("deep", type: 9, value)
        try expect(builder, throws: .arrayNestingTooDeep(key: "deep"))
    }

    @Test func duplicates() throws {
        var keys = valid()
        keys.uint32("llama.block_count", 3)
        try expect(keys, throws: .duplicateKey("llama.block_count"))
        var tensors = valid()
        tensors.f32Tensor("matrix", [1])
        try expect(tensors, throws: .duplicateTensor("matrix"))
    }

    @Test func alignment() throws {
        for bad in [UInt32(0), 3, 48, 1 << 20] {
            var builder = valid()
            builder.uint32("general.alignment", bad)
            try expect(builder, throws: .badAlignment(value: "uint(\(bad))"))
        }
        var text = valid()
        text.string("general.alignment", "32")
        try expect(text, throws: .badAlignment(value: "string(\"32\")"))

        var custom = valid()
        custom.alignment = 64
        custom.uint32("general.alignment", 64)
        let path = try custom.write()
        let file = try GGUFFile(path: path)
        #expect(file.alignment == 64)
        #expect(file.tensors.allSatisfy { $0.offset % 64 == 0 })
    }

    @Test func dimensions() throws {
        var tooMany = valid()
        tooMany.tensors[0].dimensions = [1, 1, 1, 1, 4]
        try expect(tooMany, throws: .tooManyDimensions(tensor: "norm.weight", count: 5))
        var none = valid()
        none.tensors[0].dimensions = []
        try expect(none, throws: .tooManyDimensions(tensor: "norm.weight", count: 0))
        var zero = valid()
        zero.tensors[0].dimensions = [4, 0]
        try expect(zero, throws: .invalidDimensions(tensor: "norm.weight", dimensions: [4, 0]))
        var huge = valid()
        huge.tensors[0].dimensions = [1 << 32, 1 << 32]
        try expect(huge, throws: .elementCountOverflow(tensor: "norm.weight"))
    }

    @Test func tensorTypes() throws {
        var unknown = valid()
        unknown.tensors[0].type = 99
        try expect(unknown, throws: .unknownTensorType(tensor: "norm.weight", type: 99))
        var partialBlock = valid()
        partialBlock.tensors[0].type = TensorType.q4_0.rawValue
        partialBlock.tensors[0].dimensions = [20]
        try expect(partialBlock, throws: .rowNotWholeBlocks(tensor: "norm.weight", type: "Q4_0", rowLength: 20))
    }

    @Test func dataOffsets() throws {
        var misaligned = valid()
        misaligned.tensors[1].offset = 4
        try expect(misaligned, throws: .misalignedTensor(tensor: "matrix", offset: 4, alignment: 32))
        var outside = valid()
        outside.tensors[1].offset = 1 << 40
        try expect(outside, throws: .tensorOutOfBounds(tensor: "matrix", offset: 1 << 40, size: 32, available: 16))
        var wrapping = valid()
        wrapping.tensors[1].offset = UInt64.max - 31
        try expect(wrapping, throws: .tensorOutOfBounds(tensor: "matrix", offset: UInt64.max - 31, size: 32, available: 16))
        var overlapping = valid()
        overlapping.tensors[1].offset = 0
        try expect(overlapping, throws: .overlappingTensors("norm.weight", "matrix"))
    }

    @Test func truncatedTensorInfoAndData() throws {
        let bytes = valid().build()
        let path = try GGUFBuilder.write(Array(bytes.dropLast(8)))
        #expect(throws: GGUFError.self) { try GGUFFile(path: path) }
        #expect(throws: GGUFError.truncated(what: "the header", offset: 0)) { try GGUFFile(path: try GGUFBuilder.write([])) }
    }

    /// Every prefix of a valid file ends in a typed error or a success, never a trap.
    @Test func everyTruncationIsAnError() throws {
        let bytes = valid().build()
        var errors = 0
        for length in 0..<bytes.count {
            let path = try GGUFBuilder.write(Array(bytes.prefix(length)))
            defer { try? FileManager.default.removeItem(atPath: path) }
            do { _ = try GGUFFile(path: path) } catch is GGUFError { errors += 1 }
        }
        #expect(errors == bytes.count)
    }

    /// Random single-byte corruptions of a valid file (fixed seed) never trap.
    @Test func corruptedBytesNeverTrap() throws {
        let bytes = valid().build()
        var state: UInt64 = 0x5EED
        for _ in 0..<400 {
            var copy = bytes
            for _ in 0..<3 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                copy[Int((state >> 33) % UInt64(copy.count))] = UInt8(truncatingIfNeeded: state >> 17)
            }
            let path = try GGUFBuilder.write(copy)
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try? GGUFFile(path: path)
        }
    }
}
