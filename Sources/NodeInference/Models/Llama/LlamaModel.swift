import Foundation

/// A Llama-family decoder: immutable after load, shared by every sequence. All mutable state
/// lives in the caller's `LlamaRunState` and `KVCache`.
/// The forward pass follows karpathy/llama2.c `run.c`, extended with grouped-query attention,
/// biases and RoPE variants as llama.cpp's `llama` and `qwen2` graphs define them.
package final class LlamaModel: Sendable {
    package let configuration: LlamaConfiguration
    package let weights: LlamaWeights
    /// Inverse RoPE frequency of each rotated pair, scaling applied.
    let inverseFrequencies: [Float]
    /// What this model's live KV caches hold.
    package let cacheUsage = KVCacheUsage()

    package convenience init(gguf file: GGUFFile) throws {
        let configuration = try LlamaConfiguration(gguf: file)
        try self.init(configuration: configuration, weights: LlamaWeights(source: file, names: .gguf, configuration: configuration))
    }

    /// A Hugging Face folder: `config.json` and a safetensors checkpoint.
    package convenience init(folder: String) throws {
        let configuration = try LlamaConfiguration(hf: HFModelConfig.load(folder: folder))
        let checkpoint = try SafetensorsCheckpoint(folder: folder)
        try self.init(configuration: configuration, weights: LlamaWeights(source: checkpoint, names: .huggingFace, configuration: configuration))
    }

    init(configuration: LlamaConfiguration, weights: LlamaWeights) throws {
        self.configuration = configuration
        self.weights = weights
        let pairs = configuration.ropeDimension / 2
        var frequencies: [Float] = (0..<pairs).map { i in
            Float(pow(Double(configuration.ropeBase), -2 * Double(i) / Double(configuration.ropeDimension)))
                / configuration.ropeLinearFactor
        }
        if let factors = weights.ropeFrequencyFactors ?? configuration.llama3Scaling?.divisors(inverseFrequencies: frequencies) {
            for i in 0..<pairs where factors[i] > 0 { frequencies[i] /= factors[i] }
        }
        inverseFrequencies = frequencies
    }

    package func makeState(maxTokens: Int = 64, workers: Int = 2) -> LlamaRunState {
        LlamaRunState(configuration: configuration, maxTokens: maxTokens, workers: workers)
    }

    package func makeCache() -> KVCache {
        KVCache(layerCount: configuration.layerCount, kvDimension: configuration.kvDimension, maxPositions: configuration.contextLength, usage: cacheUsage)
    }

    package enum LogitsWanted { case last, all }

    /// Runs `tokens` (at most `state.maxTokens`) at positions `cache.count...`, appending their
    /// keys and values to `cache`. Returns the logits `(rows, vocabularySize)` in `state.logits`:
    /// one row for `.last`, one per token for `.all`.
    @discardableResult
    package func forward(
        _ tokens: ArraySlice<Int>, cache: KVCache, state: LlamaRunState, logits wanted: LogitsWanted = .last
    ) throws(ModelError) -> Int {
        let c = configuration
        let count = tokens.count
        guard count > 0 else { return 0 }
        guard count <= state.maxTokens else {
            throw .invalidConfiguration("a forward call of \(count) tokens exceeds the state's \(state.maxTokens)")
        }
        let start = cache.count
        guard start + count <= c.contextLength else { throw .contextOverflow(positions: start + count, contextLength: c.contextLength) }
        for token in tokens where token < 0 || token >= c.vocabularySize {
            throw .tokenOutOfRange(token: token, vocabularySize: c.vocabularySize)
        }
        cache.reserve(start + count)

        let dim = c.dimension, qDim = c.queryDimension, kvDim = c.kvDimension, ffn = c.feedForwardDimension
        let x = state.x, xb = state.xb
        for (t, token) in tokens.enumerated() {
            weights.embedding.dequantizeRow(token, into: x + t * dim)
        }

        for (index, layer) in weights.layers.enumerated() {
            // Attention block.
            layer.attentionNorm.withUnsafeBufferPointer { norm in
                for t in 0..<count {
                    Kernels.rmsNorm(x + t * dim, weight: norm.baseAddress!, into: xb + t * dim, count: dim, epsilon: c.rmsEpsilon)
                }
            }
            layer.query.multiply(xb, m: count, into: state.q, scratch: state.matmulScratch, workers: state.workers)
            layer.key.multiply(xb, m: count, into: state.k, scratch: state.matmulScratch, workers: state.workers)
            layer.value.multiply(xb, m: count, into: state.v, scratch: state.matmulScratch, workers: state.workers)
            if let bq = layer.queryBias, let bk = layer.keyBias, let bv = layer.valueBias {
                for t in 0..<count {
                    for i in 0..<qDim { state.q[t * qDim + i] += bq[i] }
                    for i in 0..<kvDim {
                        state.k[t * kvDim + i] += bk[i]
                        state.v[t * kvDim + i] += bv[i]
                    }
                }
            }
            for t in 0..<count {
                setRotation(position: start + t, state: state)
                for head in 0..<c.headCount { rotate(state.q + t * qDim + head * c.headDimension, state: state) }
                for head in 0..<c.kvHeadCount { rotate(state.k + t * kvDim + head * c.headDimension, state: state) }
            }
            let keys = cache.keys(layer: index), values = cache.values(layer: index)
            (keys + start * kvDim).update(from: state.k, count: count * kvDim)
            (values + start * kvDim).update(from: state.v, count: count * kvDim)
            attend(count: count, start: start, keys: keys, values: values, state: state)
            layer.output.multiply(state.attention, m: count, into: xb, scratch: state.matmulScratch, workers: state.workers)
            for i in 0..<(count * dim) { x[i] += xb[i] }

            // Feed-forward block (SwiGLU).
            layer.feedForwardNorm.withUnsafeBufferPointer { norm in
                for t in 0..<count {
                    Kernels.rmsNorm(x + t * dim, weight: norm.baseAddress!, into: xb + t * dim, count: dim, epsilon: c.rmsEpsilon)
                }
            }
            layer.gate.multiply(xb, m: count, into: state.hidden, scratch: state.matmulScratch, workers: state.workers)
            layer.up.multiply(xb, m: count, into: state.hidden2, scratch: state.matmulScratch, workers: state.workers)
            Kernels.swiglu(state.hidden, state.hidden2, count: count * ffn)
            layer.down.multiply(state.hidden, m: count, into: xb, scratch: state.matmulScratch, workers: state.workers)
            for i in 0..<(count * dim) { x[i] += xb[i] }
        }
        cache.count = start + count

        let rows = wanted == .all ? count : 1
        let first = count - rows
        weights.outputNorm.withUnsafeBufferPointer { norm in
            for t in first..<count {
                Kernels.rmsNorm(x + t * dim, weight: norm.baseAddress!, into: xb + (t - first) * dim, count: dim, epsilon: c.rmsEpsilon)
            }
        }
        state.reserveLogits(rows: rows)
        weights.output.multiply(xb, m: rows, into: state.logits, scratch: state.matmulScratch, workers: state.workers)
        return rows
    }

    /// cos and sin of every rotated pair at `position`.
    private func setRotation(position: Int, state: LlamaRunState) {
        let p = Float(position)
        for i in 0..<inverseFrequencies.count {
            let angle = p * inverseFrequencies[i]
            state.ropeCos[i] = cos(angle)
            state.ropeSin[i] = sin(angle)
        }
    }

    @inline(__always)
    private func rotate(_ head: UnsafeMutablePointer<Float>, state: LlamaRunState) {
        let pairs = inverseFrequencies.count
        switch configuration.ropeStyle {
        case .interleaved:
            for i in 0..<pairs {
                let a = head[2 * i], b = head[2 * i + 1]
                head[2 * i] = a * state.ropeCos[i] - b * state.ropeSin[i]
                head[2 * i + 1] = a * state.ropeSin[i] + b * state.ropeCos[i]
            }
        case .neox:
            for i in 0..<pairs {
                let a = head[i], b = head[i + pairs]
                head[i] = a * state.ropeCos[i] - b * state.ropeSin[i]
                head[i + pairs] = a * state.ropeSin[i] + b * state.ropeCos[i]
            }
        }
    }

    /// Causal attention of `count` new tokens over the cache; grouped-query heads share keys.
    private func attend(count: Int, start: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, state: LlamaRunState) {
        let c = configuration
        let hd = c.headDimension, qDim = c.queryDimension, kvDim = c.kvDimension
        let group = c.headCount / c.kvHeadCount
        let scale = 1 / Float(hd).squareRoot()
        let scores = state.scores
        for t in 0..<count {
            let positions = start + t + 1
            for head in 0..<c.headCount {
                let query = state.q + t * qDim + head * hd
                let kvOffset = (head / group) * hd
                for position in 0..<positions {
                    scores[position] = Kernels.dot(query, keys + position * kvDim + kvOffset, count: hd) * scale
                }
                Kernels.softmax(scores, count: positions)
                let out = state.attention + t * qDim + head * hd
                out.update(repeating: 0, count: hd)
                for position in 0..<positions {
                    Kernels.addScaled(values + position * kvDim + kvOffset, scores[position], into: out, count: hd)
                }
            }
        }
    }
}
