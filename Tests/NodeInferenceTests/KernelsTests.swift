import Foundation
import NodeInference
import Testing

@Suite("Vector kernels")
struct KernelsTests {
    /// The register-blocked attention head against a plain double-precision softmax-weighted
    /// sum, for head sizes with and without a 16-column tail and every position count's remainder.
    @Test(arguments: [64, 24, 8])
    func attentionHeadMatchesTheDefinition(dimension: Int) {
        var generator = SplitMix(seed: UInt64(dimension))
        let stride = dimension * 3 + 8
        for positions in [1, 2, 3, 4, 5, 7, 9, 33] {
            let query = (0..<dimension).map { _ in generator.float() }
            let keys = (0..<positions * stride).map { _ in generator.float() }
            let values = (0..<positions * stride).map { _ in generator.float() }
            let scale = 1 / Float(dimension).squareRoot()
            var scores = [Float](repeating: 0, count: positions)
            var out = [Float](repeating: .nan, count: dimension)
            Kernels.attentionHead(
                query: query, keys: keys, values: values, stride: stride, positions: positions, dimension: dimension,
                scale: scale, scores: &scores, into: &out)
            let logits = (0..<positions).map { p in
                Double(scale) * (0..<dimension).reduce(0.0) { $0 + Double(query[$1]) * Double(keys[p * stride + $1]) }
            }
            let top = logits.max()!
            let weights = logits.map { exp($0 - top) }
            let total = weights.reduce(0, +)
            for c in 0..<dimension {
                let expected = (0..<positions).reduce(0.0) { $0 + weights[$1] / total * Double(values[$1 * stride + c]) }
                #expect(abs(Double(out[c]) - expected) < 1e-5, "dimension \(dimension), positions \(positions), column \(c)")
            }
        }
    }

    /// The query heads sharing a key/value head, together, against each head alone: the same
    /// bits (decoding rows go through the group kernel, and a row's output must not depend on
    /// which kernel shape computed it), for groups of 1–7 heads and odd and even positions.
    @Test(arguments: [1, 2, 3, 4, 7])
    func attentionGroupIsEachHeadAlone(heads: Int) {
        var generator = SplitMix(seed: UInt64(heads) &+ 40)
        for (dimension, positions) in [(64, 1), (64, 2), (64, 5), (64, 190), (24, 9), (8, 33)] {
            let stride = dimension * 2 + 8
            let queries = (0..<heads * dimension).map { _ in generator.float() }
            let keys = (0..<positions * stride).map { _ in generator.float() }
            let values = (0..<positions * stride).map { _ in generator.float() }
            let scale = 1 / Float(dimension).squareRoot()
            var scores = [Float](repeating: .nan, count: heads * positions)
            var together = [Float](repeating: .nan, count: heads * dimension)
            Kernels.attentionGroup(
                queries: queries, heads: heads, keys: keys, values: values, stride: stride, positions: positions,
                dimension: dimension, scale: scale, scores: &scores, into: &together)
            var headScores = [Float](repeating: 0, count: positions)
            for head in 0..<heads {
                var alone = [Float](repeating: .nan, count: dimension)
                queries.withUnsafeBufferPointer { q in
                    Kernels.attentionHead(
                        query: q.baseAddress! + head * dimension, keys: keys, values: values, stride: stride, positions: positions,
                        dimension: dimension, scale: scale, scores: &headScores, into: &alone)
                }
                #expect(Array(together[(head * dimension)..<((head + 1) * dimension)]) == alone, "dimension \(dimension), positions \(positions), head \(head)")
            }
        }
    }

    /// Blocks of query rows through sgemm against the per-row kernel: every row of a causal
    /// block sees exactly the positions up to its own (the last `rows` of `positions`), a
    /// non-causal one all of them; strides wider than a head, as in the model's buffers.
    @Test(arguments: [true, false])
    func attentionRowsMatchesTheRowKernel(causal: Bool) {
        var generator = SplitMix(seed: causal ? 3 : 4)
        let dimension = 64, heads = 3, queryStride = dimension * heads, stride = dimension * 2 + 8
        for (rows, positions) in [(1, 1), (17, 17), (30, 94), (64, 64), (5, 200)] {
            let queries = (0..<rows * queryStride).map { _ in generator.float() }
            let keys = (0..<positions * stride).map { _ in generator.float() }
            let values = (0..<positions * stride).map { _ in generator.float() }
            let scale = 1 / Float(dimension).squareRoot()
            var scores = [Float](repeating: .nan, count: rows * positions)
            var block = [Float](repeating: .nan, count: rows * queryStride)
            Kernels.attentionRows(
                queries: queries, queryStride: queryStride, keys: keys, values: values, stride: stride, rows: rows,
                positions: positions, causal: causal, dimension: dimension, scale: scale, scores: &scores,
                into: &block, outStride: queryStride)
            var rowScores = [Float](repeating: 0, count: positions)
            for r in 0..<rows {
                var alone = [Float](repeating: .nan, count: dimension)
                let visible = causal ? positions - rows + 1 + r : positions
                queries.withUnsafeBufferPointer { q in
                    Kernels.attentionHead(
                        query: q.baseAddress! + r * queryStride, keys: keys, values: values, stride: stride, positions: visible,
                        dimension: dimension, scale: scale, scores: &rowScores, into: &alone)
                }
                for c in 0..<dimension {
                    #expect(abs(block[r * queryStride + c] - alone[c]) < 1e-5, "rows \(rows), positions \(positions), row \(r), column \(c)")
                }
                // Columns of the other heads are not written.
                #expect(block[r * queryStride + dimension].isNaN)
            }
        }
    }

    /// The SIMD exponential against the double-precision one over the whole range a softmax
    /// or SiLU gives it, its clamping at both ends, and NaN.
    @Test func expMatchesTheExponential() {
        var worst = 0.0
        var x: Float = -87
        while x <= 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0013 })
            let values = Kernels.exp(lanes)
            for lane in 0..<8 {
                let exact = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, abs(Double(values[lane]) - exact) / exact)
            }
            x += 0.0107
        }
        #expect(worst < 2.5e-7, "worst relative error \(worst)")
        let ends = Kernels.exp(SIMD8<Float>(-1000, -100, 0, 1, 100, 1000, .infinity, -.infinity))
        #expect(ends[0] < 1e-37 && ends[0] >= 0 && ends[1] < 1e-37 && ends[7] < 1e-37)
        #expect(ends[2] == 1 && abs(ends[3] - 2.7182817) < 3e-7)
        #expect(ends[4].isFinite && ends[4] > 1e38 && ends[5].isFinite && ends[6].isFinite)
        #expect(Kernels.exp(SIMD8<Float>(repeating: .nan))[0].isNaN)
        // Softmax sums to one and keeps order; SwiGLU against its definition, with a scalar tail.
        var row: [Float] = (0..<21).map { Float($0) * 0.7 - 5 }
        Kernels.softmax(&row, count: row.count)
        #expect(abs(row.reduce(0, +) - 1) < 1e-6 && zip(row, row.dropFirst()).allSatisfy { $0 < $1 })
        var gate: [Float] = (0..<21).map { Float($0) * 1.3 - 13 }
        let up: [Float] = (0..<21).map { Float($0) * 0.1 + 0.5 }
        let expected = zip(gate, up).map { g, u in Double(g) / (1 + Foundation.exp(-Double(g))) * Double(u) }
        Kernels.swiglu(&gate, up, count: gate.count)
        for i in 0..<21 { #expect(abs(Double(gate[i]) - expected[i]) <= 1e-6 * max(1, abs(expected[i]))) }
    }

    /// The SIMD error function against the double-precision one, densely over the range where
    /// it is not ±1, and GELU (with its scalar tail) against its definition; NaN stays NaN.
    @Test func geluMatchesTheErrorFunction() {
        var worst = 0.0
        var x: Float = -6
        while x <= 6 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-4 })
            let values = Kernels.erf(lanes)
            for lane in 0..<8 { worst = max(worst, abs(Double(values[lane]) - Foundation.erf(Double(lanes[lane])))) }
            x += 8e-4
        }
        #expect(worst < 5e-7, "worst error \(worst)")
        #expect(Kernels.erf(SIMD8(repeating: .nan))[0].isNaN)
        var generator = SplitMix(seed: 7)
        var inputs = (0..<43).map { _ in generator.float() * 5 }
        inputs[3] = 0
        var outputs = inputs
        Kernels.gelu(&outputs, count: outputs.count)
        for (input, output) in zip(inputs, outputs) {
            let expected = 0.5 * Double(input) * (1 + Foundation.erf(Double(input) / 2.0.squareRoot()))
            #expect(abs(Double(output) - expected) < 1e-6 * max(1, abs(expected)), "gelu(\(input))")
        }
    }
}

extension SplitMix {
    /// Uniform in -1…1.
    mutating func float() -> Float { unit() * 2 - 1 }
}
