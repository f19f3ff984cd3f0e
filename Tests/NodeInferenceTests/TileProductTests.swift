import Foundation
import NodeInference
import Testing

/// The prompt-piece kernel (`TileProduct`) against a float64 product, and its row independence:
/// a row's result is the same bits alone or among others, whatever the number of rows.
@Suite("Prompt-piece tile products")
struct TileProductTests {
    static func product(_ input: [Float], m: Int, _ tile: [Float], n: Int, k: Int, ldc: Int) -> [Float] {
        var output = [Float](repeating: .nan, count: m * ldc)
        input.withUnsafeBufferPointer { x in
            tile.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    TileProduct.multiply(x.baseAddress!, m: m, tile: w.baseAddress!, n: n, k: k, into: y.baseAddress!, ldc: ldc)
                }
            }
        }
        return output
    }

    @Test(arguments: [(1, 8), (2, 96), (3, 96), (64, 576), (65, 40), (7, 1536)])
    func matchesFloat64(_ shape: (Int, Int)) {
        let (n, k) = shape
        let tile = QuantizedProductTests.randomActivations(n * k, seed: UInt64(n * 7 + k))
        for m in [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 20, 43, 64] {
            let input = QuantizedProductTests.randomActivations(m * k, seed: UInt64(m))
            let ldc = n + 3
            let output = Self.product(input, m: m, tile, n: n, k: k, ldc: ldc)
            var worst = 0.0, scale = 0.0
            for r in 0..<m {
                for j in 0..<n {
                    var exact = 0.0, magnitude = 0.0
                    for i in 0..<k {
                        exact += Double(input[r * k + i]) * Double(tile[j * k + i])
                        magnitude += abs(Double(input[r * k + i]) * Double(tile[j * k + i]))
                    }
                    worst = max(worst, abs(Double(output[r * ldc + j]) - exact))
                    scale = max(scale, magnitude)
                }
                // The columns past `n` are not written.
                let untouched = output[(r * ldc + n)..<(r * ldc + ldc)].allSatisfy { $0.isNaN }
                #expect(untouched, "m \(m): row \(r) written past n")
            }
            #expect(worst <= 1e-6 * scale, "m \(m): largest difference \(worst) of \(scale)")
        }
    }

    @Test func rowResultsDoNotDependOnTheOtherRows() {
        let n = 64, k = 576, m = 43
        let tile = QuantizedProductTests.randomActivations(n * k, seed: 11)
        let input = QuantizedProductTests.randomActivations(m * k, seed: 12)
        let together = Self.product(input, m: m, tile, n: n, k: k, ldc: n)
        // Alone, and as part of a piece that starts elsewhere (the rows of a prefix reused).
        for r in 0..<m {
            let alone = Self.product(Array(input[(r * k)..<((r + 1) * k)]), m: 1, tile, n: n, k: k, ldc: n)
            #expect(alone == Array(together[(r * n)..<((r + 1) * n)]), "row \(r) differs alone")
        }
        for first in [1, 5, 20, 42] {
            let tail = Self.product(Array(input[(first * k)...]), m: m - first, tile, n: n, k: k, ldc: n)
            #expect(tail == Array(together[(first * n)...]), "rows from \(first) differ")
        }
    }
}
