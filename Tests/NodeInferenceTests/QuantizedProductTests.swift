import Foundation
import NodeInference
import Testing

/// The integer kernels against OpenBLAS on the dequantized rows (whose dequantization is
/// itself checked against gguf-py), and the property batching relies on: a row's result does
/// not depend on how many activation rows share the call.
@Suite("Quantized matrix products")
struct QuantizedProductTests {
    /// Random but well-formed blocks: f16 scales in a realistic range, random quants.
    static func randomMatrix(_ type: TensorType, rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix(seed: seed)
        var bytes: [UInt8] = []
        func half(_ value: Float) { withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { bytes += $0 } }
        func random(_ count: Int) { for _ in 0..<count { bytes.append(UInt8(truncatingIfNeeded: generator.next())) } }
        let blocks = columns / type.blockSize
        for _ in 0..<(rows * blocks) {
            switch type {
            case .q4_K, .q5_K:
                half(generator.unit() * 0.002 + 0.0001)
                half(generator.unit() * 0.002)
                random(type == .q5_K ? 12 + 32 + 128 : 12 + 128)
            case .q6_K:
                random(128 + 64 + 16)
                half(generator.unit() * 0.0005 + 0.00002)
            case .q8_0:
                half(generator.unit() * 0.01 + 0.0005)
                for _ in 0..<32 { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            case .q4_1:
                half(generator.unit() * 0.02 + 0.001)
                half(-generator.unit() * 0.15)
                for _ in 0..<16 { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            default:
                half(generator.unit() * 0.02 + 0.001)
                for _ in 0..<16 { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            }
        }
        return bytes
    }

    static func randomActivations(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix(seed: seed)
        // Mostly small values with a few outliers, as hidden states look.
        return (0..<count).map { i in (generator.unit() * 2 - 1) * (i % 97 == 0 ? 8 : 1) }
    }

    @Test(arguments: [TensorType.q4_0, .q4_1, .q8_0, .q4_K, .q5_K, .q6_K], [(37, 96), (64, 576), (19, 1536), (23, 256)])
    func matchesSgemvOnDequantizedRows(_ type: TensorType, _ shape: (Int, Int)) throws {
        let (rows, columns) = shape
        // K-quant rows are whole super-blocks of 256.
        guard columns % type.blockSize == 0 else { return }
        let weights = Self.randomMatrix(type, rows: rows, columns: columns, seed: UInt64(rows * columns))
        #expect(weights.count == rows * (type.byteCount(elements: columns) ?? 0))
        for m in [1, 3, 4, 5, 9] {
            let input = Self.randomActivations(m * columns, seed: UInt64(m))
            let quantized = Self.product(weights, type, rows: rows, columns: columns, input: input, m: m, integer: true)
            // The reference: rows dequantized (as gguf-py does), then OpenBLAS sgemv per input row.
            var dequantized = [Float](repeating: 0, count: rows * columns)
            weights.withUnsafeBytes { raw in
                dequantized.withUnsafeMutableBufferPointer { out in
                    for row in 0..<rows {
                        Dequantize.row(type, from: raw.baseAddress! + row * (raw.count / rows), into: out.baseAddress! + row * columns, count: columns)
                    }
                }
            }
            for r in 0..<m {
                var expected = [Float](repeating: 0, count: rows)
                dequantized.withUnsafeBufferPointer { w in
                    input.withUnsafeBufferPointer { x in
                        expected.withUnsafeMutableBufferPointer { y in
                            BLAS.matvec(w, UnsafeBufferPointer(rebasing: x[(r * columns)..<((r + 1) * columns)]), into: y, n: rows, k: columns)
                        }
                    }
                }
                // The activations as the kernel sees them: 8-bit per block of 32, scale amax/127.
                var rounded = [Double](repeating: 0, count: columns)
                for block in 0..<(columns / 32) {
                    let x = input[(r * columns + block * 32)..<(r * columns + block * 32 + 32)]
                    let amax = x.map(abs).max() ?? 0
                    let d = amax / 127, inverse: Float = amax > 0 ? 127 / amax : 0
                    for (i, value) in x.enumerated() { rounded[block * 32 + i] = Double(d) * Double((value * inverse).rounded(.toNearestOrEven)) }
                }
                for row in 0..<rows {
                    var exact: Double = 0, magnitude: Double = 0
                    for i in 0..<columns {
                        exact += Double(dequantized[row * columns + i]) * rounded[i]
                        magnitude += abs(Double(dequantized[row * columns + i]) * rounded[i])
                    }
                    let got = quantized[r * rows + row]
                    // The integer arithmetic is exact; only f32 scale products and sums round.
                    #expect(abs(Double(got) - exact) <= 1e-5 * magnitude + 1e-6, "\(type) m=\(m) r=\(r) row=\(row): \(got) vs \(exact)")
                    // And quantizing the activations moves the result by at most half a step per element.
                    var bound: Float = 1e-4
                    for block in 0..<(columns / 32) {
                        let x = input[(r * columns + block * 32)..<(r * columns + block * 32 + 32)]
                        let step = (x.map(abs).max() ?? 0) / 127
                        for i in 0..<32 { bound += abs(dequantized[row * columns + block * 32 + i]) * step * 0.5001 }
                    }
                    #expect(abs(got - expected[row]) <= bound, "\(type) m=\(m) r=\(r) row=\(row): \(got) vs sgemv \(expected[row])")
                }
            }
        }
    }

    /// The AVX2 kernels (the package's `AVX2` trait, on in `make test`'s build) against the
    /// portable ones: the same bits for every row, alone and in fours, both activation levels,
    /// an odd last block, and Q8_0 weights of −128 (random bytes include them).
    @Test(.enabled(if: QuantizedProduct.hasAVX2Kernels), arguments: [TensorType.q4_0, .q4_1, .q8_0], [576, 608])
    func avx2KernelsMatchThePortableOnesExactly(_ type: TensorType, _ columns: Int) {
        let rows = 40
        let weights = Self.randomMatrix(type, rows: rows, columns: columns, seed: UInt64(columns) &* 31 &+ 5)
        for refined in type == .q8_0 ? [false, true] : [false] {
            for m in [1, 4, 7, 9] {
                let input = Self.randomActivations(m * columns, seed: UInt64(m) &+ 100)
                let activations = QuantizedActivations(rows: m, columns: columns)
                var fast = [Float](repeating: .nan, count: m * rows), portable = fast
                weights.withUnsafeBytes { raw in
                    let matrix = WeightMatrix(rows: rows, columns: columns, type: type, base: raw.baseAddress!)
                    input.withUnsafeBufferPointer { x in
                        QuantizedProduct.quantize(
                            x.baseAddress!, m: m, columns: columns, arrangement: QuantizedProduct.arrangement(for: type), refine: refined,
                            into: activations)
                    }
                    fast.withUnsafeMutableBufferPointer {
                        QuantizedProduct.multiply(matrix, rows: 0..<rows, activations: activations, m: m, refined: refined, into: $0.baseAddress!)
                    }
                    portable.withUnsafeMutableBufferPointer {
                        QuantizedProduct.multiply(
                            matrix, rows: 0..<rows, activations: activations, m: m, refined: refined, portable: true, into: $0.baseAddress!)
                    }
                }
                #expect(fast == portable, "\(type) columns=\(columns) refined=\(refined) m=\(m)")
            }
        }
    }

    /// Rows 0–11 go through the four-row kernels when batched, 12 through the one-row kernel;
    /// 608 columns give the Q4 kernels an odd last block (handled outside the pair loop).
    @Test(arguments: [TensorType.q4_0, .q4_1, .q8_0, .q4_K, .q5_K, .q6_K], [false, true])
    func rowResultsDoNotDependOnTheBatch(_ type: TensorType, _ oddBlocks: Bool) {
        let rows = 48, columns = type.blockSize == 256 ? (oddBlocks ? 1280 : 768) : (oddBlocks ? 608 : 576)
        let weights = Self.randomMatrix(type, rows: rows, columns: columns, seed: 7)
        let input = Self.randomActivations(13 * columns, seed: 11)
        let alone = (0..<13).map { r in
            Self.product(weights, type, rows: rows, columns: columns, input: Array(input[(r * columns)..<((r + 1) * columns)]), m: 1, integer: true)
        }
        let together = Self.product(weights, type, rows: rows, columns: columns, input: input, m: 13, integer: true)
        for r in 0..<13 {
            #expect(Array(together[(r * rows)..<((r + 1) * rows)]) == alone[r], "row \(r) differs when batched")
        }
    }

    /// 16-bit activations (the vocabulary projection's), whose step is 1/258 of the 8-bit one,
    /// come within a hundredth of the 8-bit error of the f32 product, and stay batch-invariant.
    @Test func refinedActivationsAreNearlyExact() {
        let rows = 40, columns = 576
        let weights = Self.randomMatrix(.q8_0, rows: rows, columns: columns, seed: 5)
        let input = Self.randomActivations(6 * columns, seed: 6)
        let refined = Self.product(weights, .q8_0, rows: rows, columns: columns, input: input, m: 6, integer: true, refined: true)
        let plain = Self.product(weights, .q8_0, rows: rows, columns: columns, input: input, m: 6, integer: true)
        let exact = Self.product(weights, .q8_0, rows: rows, columns: columns, input: input, m: 6, integer: false)
        var refinedError: Float = 0, plainError: Float = 0, scale: Float = 0
        for i in 0..<exact.count {
            refinedError = max(refinedError, abs(refined[i] - exact[i]))
            plainError = max(plainError, abs(plain[i] - exact[i]))
            scale = max(scale, abs(exact[i]))
        }
        #expect(refinedError <= plainError / 100, "refined \(refinedError), plain \(plainError)")
        #expect(refinedError <= 1e-4 * scale + 1e-5)
        for r in 0..<6 {
            let alone = Self.product(
                weights, .q8_0, rows: rows, columns: columns, input: Array(input[(r * columns)..<((r + 1) * columns)]), m: 1, integer: true, refined: true)
            #expect(Array(refined[(r * rows)..<((r + 1) * rows)]) == alone)
        }
    }

    /// Blocks at the ends of their ranges against activations at ±127: the largest sums the
    /// 16-bit lanes ever hold (4-bit: 4·15·127 per lane, two lanes added before widening;
    /// 8-bit: 2·128·127), which must come out exact rather than wrapped.
    @Test(arguments: [TensorType.q4_0, .q4_1, .q8_0])
    func saturatedBlocksStayExact(_ type: TensorType) {
        let rows = 8, columns = 576
        var weights: [UInt8] = []
        // Row `row`: every quant byte the same, from the extremes (and 0x00 / 0x88 for contrast).
        let patterns: [UInt8] = type == .q8_0 ? [0x80, 0x7F, 0x80, 0x00, 0x7F, 0x80, 0x81, 0x7F] : [0xFF, 0x00, 0xFF, 0x88, 0xFF, 0x0F, 0xF0, 0xFF]
        let scale = Float16(1.0 / 64).bitPattern
        for row in 0..<rows {
            for _ in 0..<(columns / 32) {
                weights += [UInt8(scale & 0xFF), UInt8(scale >> 8)]
                if type == .q4_1 { weights += [0, 0] }
                weights += [UInt8](repeating: patterns[row], count: type == .q8_0 ? 32 : 16)
            }
        }
        for sign: Float in [1, -1] {
            // Two rows of activations: all `sign`, then alternating, so every lane sees ±127.
            let input = (0..<(2 * columns)).map { i in i < columns ? sign : (i % 2 == 0 ? sign : -sign) }
            let got = Self.product(weights, type, rows: rows, columns: columns, input: input, m: 2, integer: true)
            var dequantized = [Float](repeating: 0, count: columns)
            for row in 0..<rows {
                weights.withUnsafeBytes { raw in
                    dequantized.withUnsafeMutableBufferPointer { out in
                        Dequantize.row(type, from: raw.baseAddress! + row * (raw.count / rows), into: out.baseAddress!, count: columns)
                    }
                }
                for r in 0..<2 {
                    // Every activation block's amax is 1, so its levels are exactly ±127 of 1/127.
                    let step = Double(Float(1) / 127)
                    var exact: Double = 0, magnitude: Double = 0
                    for i in 0..<columns {
                        let x = Double(input[r * columns + i]) * 127 * step
                        exact += Double(dequantized[i]) * x
                        magnitude += abs(Double(dequantized[i]) * x)
                    }
                    let value = Double(got[r * rows + row])
                    #expect(abs(value - exact) <= 1e-5 * magnitude + 1e-6, "\(type) sign \(sign) r=\(r) row=\(row): \(value) vs \(exact)")
                }
            }
        }
    }

    /// A broken model's activations (NaN, infinities) give garbage, never a trap.
    @Test func nonFiniteActivationsDoNotTrap() {
        let rows = 16
        for type in [TensorType.q4_1, .q8_0, .q6_K] {
            let columns = type.blockSize == 256 ? 256 : 64
            let weights = Self.randomMatrix(type, rows: rows, columns: columns, seed: 9)
            var input = Self.randomActivations(2 * columns, seed: 10)
            input[3] = .nan
            input[40] = .infinity
            input[columns + 6] = -.infinity
            for refined in [false, true] {
                let output = Self.product(weights, type, rows: rows, columns: columns, input: input, m: 2, integer: true, refined: refined && type == .q8_0)
                #expect(output.count == 2 * rows)
            }
        }
    }

    /// `input (m, columns) · Wᵀ` through `WeightMatrix.multiply` on the shared pool (every core).
    static func product(
        _ weights: [UInt8], _ type: TensorType, rows: Int, columns: Int, input: [Float], m: Int, integer: Bool, refined: Bool = false
    ) -> [Float] {
        let pool = WorkerPool.shared
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: pool.count * WeightMatrix.tileRows * columns)
        defer { floats.deallocate() }
        let scratch = ProductScratch(pool: pool, floats: floats, quantized: integer ? QuantizedActivations(rows: m, columns: columns) : nil)
        var output = [Float](repeating: .nan, count: m * rows)
        weights.withUnsafeBytes { raw in
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    let matrix = WeightMatrix(rows: rows, columns: columns, type: type, base: raw.baseAddress!)
                    if refined {
                        matrix.multiply(x.baseAddress!, plan: RowPlan(integerRows: m, groups: []), into: y.baseAddress!, scratch: scratch, refined: true)
                    } else {
                        matrix.multiply(x.baseAddress!, m: m, into: y.baseAddress!, scratch: scratch)
                    }
                }
            }
        }
        return output
    }
}

/// A small seedable generator, so a failure reproduces.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
