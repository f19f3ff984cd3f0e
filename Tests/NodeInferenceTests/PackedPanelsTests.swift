import Foundation
import NodeInference
import Testing

/// The packed float products (embedding models' layers) against OpenBLAS sgemm on the same
/// weights, and their batch invariance: a row's result is the same bits alone or among others.
@Suite("Packed float products")
struct PackedPanelsTests {
    /// Row-major `rows × columns` weights of `type` (f32, f16 or bf16) and their f32 values.
    static func weights(_ type: TensorType, rows: Int, columns: Int, seed: UInt64) -> (bytes: [UInt8], values: [Float]) {
        var generator = SplitMix(seed: seed)
        var bytes: [UInt8] = [], values: [Float] = []
        for _ in 0..<(rows * columns) {
            let value = (generator.unit() * 2 - 1) * 0.2
            switch type {
            case .f16:
                let half = Float16(value)
                withUnsafeBytes(of: half.bitPattern.littleEndian) { bytes += $0 }
                values.append(Float(half))
            case .bf16:
                let bits = UInt16(value.bitPattern >> 16)
                withUnsafeBytes(of: bits.littleEndian) { bytes += $0 }
                values.append(Float(bitPattern: UInt32(bits) << 16))
            default:
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
                values.append(value)
            }
        }
        return (bytes, values)
    }

    /// `input (m, columns) · Wᵀ` through a packed `WeightMatrix` on the shared pool.
    static func product(_ bytes: [UInt8], _ type: TensorType, rows: Int, columns: Int, input: [Float], m: Int) -> [Float] {
        // Packed products use no tile scratch.
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { floats.deallocate() }
        let scratch = ProductScratch(pool: WorkerPool.shared, floats: floats, quantized: nil)
        var output = [Float](repeating: .nan, count: m * rows)
        bytes.withUnsafeBytes { raw in
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    let matrix = WeightMatrix(rows: rows, columns: columns, type: type, base: raw.baseAddress!).packedForProducts()
                    #expect(matrix.panels != nil)
                    matrix.multiply(x.baseAddress!, m: m, into: y.baseAddress!, scratch: scratch)
                }
            }
        }
        return output
    }

    @Test(arguments: [TensorType.f32, .f16, .bf16], [(16, 32), (37, 96), (384, 384), (5, 1536), (100, 7)])
    func matchesSgemm(_ type: TensorType, _ shape: (Int, Int)) {
        let (rows, columns) = shape
        let (bytes, values) = Self.weights(type, rows: rows, columns: columns, seed: UInt64(rows * 131 + columns))
        for m in [1, 2, 4, 5, 6, 7, 8, 13, 20, 64] {
            let input = QuantizedProductTests.randomActivations(m * columns, seed: UInt64(m))
            let packed = Self.product(bytes, type, rows: rows, columns: columns, input: input, m: m)
            var expected = [Float](repeating: 0, count: m * rows)
            values.withUnsafeBufferPointer { w in
                input.withUnsafeBufferPointer { x in
                    expected.withUnsafeMutableBufferPointer { y in BLAS.matmulTransposed(x, w, into: y, m: m, n: rows, k: columns) }
                }
            }
            var worst: Float = 0
            for i in 0..<(m * rows) { worst = max(worst, abs(packed[i] - expected[i])) }
            #expect(worst <= 1e-5 * Float(columns), "m \(m): largest difference \(worst)")
        }
    }

    @Test(arguments: [TensorType.f32, .f16])
    func rowResultsDoNotDependOnTheBatch(_ type: TensorType) {
        let rows = 40, columns = 96, m = 23
        let (bytes, _) = Self.weights(type, rows: rows, columns: columns, seed: 3)
        let input = QuantizedProductTests.randomActivations(m * columns, seed: 4)
        let together = Self.product(bytes, type, rows: rows, columns: columns, input: input, m: m)
        for r in 0..<m {
            let alone = Self.product(bytes, type, rows: rows, columns: columns, input: Array(input[(r * columns)..<((r + 1) * columns)]), m: 1)
            #expect(Array(together[(r * rows)..<((r + 1) * rows)]) == alone, "row \(r) differs when batched")
        }
    }

    /// Quantized matrices keep their in-place integer kernels.
    @Test func quantizedMatricesAreNotPacked() {
        let bytes = QuantizedProductTests.randomMatrix(.q8_0, rows: 4, columns: 32, seed: 1)
        bytes.withUnsafeBytes { raw in
            #expect(WeightMatrix(rows: 4, columns: 32, type: .q8_0, base: raw.baseAddress!).packedForProducts().panels == nil)
        }
    }
}
