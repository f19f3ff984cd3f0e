import Foundation

/// A BERT encoder (post-LayerNorm layers, GELU of the error function, not its tanh form).
/// Immutable after load. A batch runs packed: every sequence's tokens are rows of one matrix
/// for each linear layer, and attention stays within each sequence, so padding costs nothing
/// and needs no mask.
package final class BertModel: Sendable {
    package let configuration: BertConfiguration
    package let weights: BertWeights

    package init(folder: String) throws {
        let configuration = try BertConfiguration(hf: HFModelConfig.load(folder: folder))
        self.configuration = configuration
        self.weights = try BertWeights(source: SafetensorsCheckpoint(folder: folder), configuration: configuration)
    }

    /// Hidden states of the last layer, `(Σ lengths, dimension)` row-major, sequences in order.
    package func encode(_ sequences: [[Int]], pool: WorkerPool) throws(ModelError) -> [Float] {
        let c = configuration
        let d = c.dimension
        let total = sequences.reduce(0) { $0 + $1.count }
        guard total > 0 else { return [] }
        for sequence in sequences {
            guard sequence.count + c.positionOffset <= c.maxPositions else {
                throw .contextOverflow(positions: sequence.count, contextLength: c.maxPositions - c.positionOffset)
            }
            for token in sequence where token < 0 || token >= c.vocabularySize {
                throw .tokenOutOfRange(token: token, vocabularySize: c.vocabularySize)
            }
        }
        var x = [Float](repeating: 0, count: total * d)  // (total, d): hidden states
        var q = x, k = x, v = x, context = x, projected = x  // (total, d)
        var hidden = [Float](repeating: 0, count: total * c.feedForwardDimension)  // (total, ffn)
        let longest = sequences.map(\.count).max() ?? 0
        // Attention takes a sequence's query rows a block at a time, so that its scores stay
        // `block × longest` per thread even for a long-context checkpoint.
        let block = max(1, min(longest, 64))
        var scores = [Float](repeating: 0, count: pool.count * block * longest)  // one block's scores per thread
        var row = [Float](repeating: 0, count: d)
        var starts: [Int] = []  // each sequence's first row
        var rowCount = 0
        for sequence in sequences {
            starts.append(rowCount)
            rowCount += sequence.count
        }

        // Embeddings: word + position + token type 0, then LayerNorm.
        x.withUnsafeMutableBufferPointer { x in
            row.withUnsafeMutableBufferPointer { row in
                var n = 0
                for sequence in sequences {
                    for (position, token) in sequence.enumerated() {
                        let out = x.baseAddress! + n * d
                        weights.wordEmbeddings.dequantizeRow(token, into: out)
                        weights.positionEmbeddings.dequantizeRow(position + c.positionOffset, into: row.baseAddress!)
                        for i in 0..<d { out[i] += row[i] }
                        weights.typeEmbeddings.dequantizeRow(0, into: row.baseAddress!)
                        for i in 0..<d { out[i] += row[i] }
                        Kernels.layerNorm(out, weight: weights.embeddingNormWeight, bias: weights.embeddingNormBias, count: d, epsilon: c.layerNormEpsilon)
                        n += 1
                    }
                }
            }
        }

        // Every layer matrix is packed (``BertWeights`` refuses any other), and packed products
        // use no tile scratch.
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { floats.deallocate() }
        let scratch = ProductScratch(pool: pool, floats: floats, quantized: nil)
        let scale = 1 / Float(c.headDimension).squareRoot()
        for layer in weights.layers {
            linear(layer.query, layer.queryBias, x, &q, total, scratch)
            linear(layer.key, layer.keyBias, x, &k, total, scratch)
            linear(layer.value, layer.valueBias, x, &v, total, scratch)
            // Attention within each sequence: (sequence, head) pairs over the pool, a block of a
            // sequence's query rows at a time against its own keys (no padding, no mask).
            q.withUnsafeBufferPointer { q in
                k.withUnsafeBufferPointer { k in
                    v.withUnsafeBufferPointer { v in
                        context.withUnsafeMutableBufferPointer { context in
                            scores.withUnsafeMutableBufferPointer { scores in
                                let q = q.baseAddress!, k = k.baseAddress!, v = v.baseAddress!
                                let context = context.baseAddress!, scores = scores.baseAddress!
                                let heads = c.headCount, hd = c.headDimension
                                pool.run(chunks: sequences.count * heads) { item, worker in
                                    let sequence = item / heads, head = item % heads
                                    let first = starts[sequence], t = sequences[sequence].count
                                    let offset = first * d + head * hd
                                    for r in stride(from: 0, to: t, by: block) {
                                        Kernels.attentionRows(
                                            queries: q + offset + r * d, queryStride: d, keys: k + offset, values: v + offset, stride: d,
                                            rows: min(block, t - r), positions: t, causal: false, dimension: hd, scale: scale,
                                            scores: scores + worker * block * longest, into: context + offset + r * d, outStride: d)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            linear(layer.attentionOutput, layer.attentionOutputBias, context, &projected, total, scratch)
            addAndNormalize(&x, projected, layer.attentionNormWeight, layer.attentionNormBias, total)
            linear(layer.intermediate, layer.intermediateBias, x, &hidden, total, scratch, gelu: true)
            linear(layer.output, layer.outputBias, hidden, &projected, total, scratch)
            addAndNormalize(&x, projected, layer.outputNormWeight, layer.outputNormBias, total)
        }
        return x
    }

    /// `output (m, rows) = input (m, columns) · Wᵀ + bias`, then GELU when `gelu`; the bias and
    /// activation pass is split over the pool by rows, as the product is.
    private func linear(
        _ matrix: WeightMatrix, _ bias: [Float], _ input: [Float], _ output: inout [Float], _ m: Int, _ scratch: ProductScratch,
        gelu: Bool = false
    ) {
        input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                matrix.multiply(input.baseAddress!, m: m, into: output.baseAddress!, scratch: scratch)
                let output = output.baseAddress!, n = matrix.rows
                bias.withUnsafeBufferPointer { bias in
                    let bias = bias.baseAddress!
                    let band = max(1, (m + 4 * scratch.pool.count - 1) / (4 * scratch.pool.count))
                    scratch.pool.run(chunks: (m + band - 1) / band) { chunk, _ in
                        for r in (chunk * band)..<min(m, (chunk + 1) * band) {
                            let line = output + r * n
                            for i in 0..<n { line[i] += bias[i] }
                            if gelu { Kernels.gelu(line, count: n) }
                        }
                    }
                }
            }
        }
    }

    /// `x = LayerNorm(x + delta)`, row by row.
    private func addAndNormalize(_ x: inout [Float], _ delta: [Float], _ weight: [Float], _ bias: [Float], _ rows: Int) {
        let d = configuration.dimension
        x.withUnsafeMutableBufferPointer { x in
            for i in 0..<(rows * d) { x[i] += delta[i] }
            for r in 0..<rows {
                Kernels.layerNorm(x.baseAddress! + r * d, weight: weight, bias: bias, count: d, epsilon: configuration.layerNormEpsilon)
            }
        }
    }
}
