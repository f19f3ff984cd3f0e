import Foundation
import NodeInference
import Testing

/// Each tensor type decodes exactly as the `gguf` package's numpy reference does, on random
/// blocks made by Scripts/make-quant-fixtures.py.
@Suite("Dequantization against gguf-py")
struct DequantizeTests {
    static func fixture(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/quant") else {
            throw Fixtures.FixtureError.missing(name)
        }
        return try Data(contentsOf: url)
    }

    @Test(arguments: [
        TensorType.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K,
    ])
    func matchesReference(_ type: TensorType) throws {
        let raw = try Self.fixture("\(type).bin")
        let expectedBytes = try Self.fixture("\(type).f32")
        let expected = expectedBytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(type.byteCount(elements: expected.count) == raw.count)
        var output = [Float](repeating: .nan, count: expected.count)
        raw.withUnsafeBytes { source in
            output.withUnsafeMutableBufferPointer { destination in
                Dequantize.row(type, from: source.baseAddress!, into: destination.baseAddress!, count: expected.count)
            }
        }
        var worst: Float = 0
        for (value, reference) in zip(output, expected) {
            worst = max(worst, abs(value - reference) / max(1, abs(reference)))
        }
        // The reference computes in f32 too; only the order of a multiply-add may differ.
        #expect(worst <= 1e-6, "\(type): worst relative difference \(worst)")
    }
}
