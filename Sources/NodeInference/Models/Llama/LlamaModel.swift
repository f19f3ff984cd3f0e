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

    /// `pieces`: where prompts are cut (the batch engine passes its tokenizer's end-of-turn
    /// tokens; by default, multiples of ``LlamaRunState/chunk`` only).
    package func makeState(
        maxTokens: Int = 64, pool: WorkerPool = .shared, precision: MatmulPrecision = .quantizedActivations, pieces: PromptPieces = PromptPieces()
    ) -> LlamaRunState {
        LlamaRunState(configuration: configuration, maxTokens: maxTokens, pool: pool, precision: precision, pieces: pieces)
    }

    package func makeCache(type: KVCacheType = .f32) -> KVCache {
        KVCache(
            layerCount: configuration.layerCount, kvDimension: configuration.kvDimension, heads: configuration.kvHeadCount,
            maxPositions: configuration.contextLength, type: type, usage: cacheUsage)
    }

    package enum LogitsWanted { case last, all, none }

    /// Runs `tokens` (at most `state.maxTokens`) at positions `cache.count...`, appending their
    /// keys and values to `cache`. Returns the logits `(rows, vocabularySize)` in `state.logits`:
    /// one row for `.last`, one per token for `.all`.
    @discardableResult
    package func forward(
        _ tokens: ArraySlice<Int>, cache: KVCache, state: LlamaRunState, logits wanted: LogitsWanted = .last
    ) throws(ModelError) -> Int {
        guard !tokens.isEmpty else { return 0 }
        try forward([BatchSegment(tokens: tokens, cache: cache, logits: wanted)], state: state)
        return wanted == .all ? tokens.count : (wanted == .last ? 1 : 0)
    }

    /// One step of a batch: every segment's tokens go through each layer together (one product
    /// per weight for all of them), attention stays within each segment's own cache. Returns,
    /// per segment, the first row of its logits in `state.logits` (`nil` for `.none`).
    ///
    /// A segment's results depend on its own tokens and cache alone, never on the other
    /// segments: see ``LlamaRunState/lay(out:)`` and ``WeightMatrix/multiply(_:plan:into:scratch:)``.
    @discardableResult
    package func forward(_ segments: [BatchSegment], state: LlamaRunState) throws(ModelError) -> [Int?] {
        let c = configuration
        var count = 0
        for segment in segments {
            let start = segment.cache.count
            guard start + segment.tokens.count <= c.contextLength else {
                throw .contextOverflow(positions: start + segment.tokens.count, contextLength: c.contextLength)
            }
            for token in segment.tokens where token < 0 || token >= c.vocabularySize {
                throw .tokenOutOfRange(token: token, vocabularySize: c.vocabularySize)
            }
            count += segment.tokens.count
        }
        guard count > 0 else { return segments.map { _ in nil } }
        guard count <= state.maxTokens else {
            throw .invalidConfiguration("a forward call of \(count) tokens exceeds the state's \(state.maxTokens)")
        }
        state.lay(out: segments)
        let plan = state.plan
        for segment in segments { segment.cache.reserve(segment.cache.count + segment.tokens.count) }

        let dim = c.dimension, qDim = c.queryDimension, kvDim = c.kvDimension, ffn = c.feedForwardDimension
        let hd = c.headDimension, pairs = inverseFrequencies.count
        let x = state.x, xb = state.xb
        for (s, segment) in segments.enumerated() {
            let first = state.segmentOffset[s]
            for (t, token) in segment.tokens.enumerated() {
                weights.embedding.dequantizeRow(token, into: x + state.rowOfToken[first + t] * dim)
            }
        }
        // Rotations depend on positions only: computed once per call, used by every layer.
        for row in 0..<count {
            let p = Float(state.rowPosition[row])
            for i in 0..<pairs {
                let angle = p * inverseFrequencies[i]
                state.ropeCos[row * pairs + i] = cos(angle)
                state.ropeSin[row * pairs + i] = sin(angle)
            }
        }

        for (index, layer) in weights.layers.enumerated() {
            // Attention block.
            layer.attentionNorm.withUnsafeBufferPointer { norm in
                for t in 0..<count {
                    Kernels.rmsNorm(x + t * dim, weight: norm.baseAddress!, into: xb + t * dim, count: dim, epsilon: c.rmsEpsilon)
                }
            }
            layer.query.multiply(xb, plan: plan, into: state.q, scratch: state.products)
            layer.key.multiply(xb, plan: plan, into: state.k, scratch: state.products, sameInput: true)
            layer.value.multiply(xb, plan: plan, into: state.v, scratch: state.products, sameInput: true)
            if let bq = layer.queryBias, let bk = layer.keyBias, let bv = layer.valueBias {
                for t in 0..<count {
                    for i in 0..<qDim { state.q[t * qDim + i] += bq[i] }
                    for i in 0..<kvDim {
                        state.k[t * kvDim + i] += bk[i]
                        state.v[t * kvDim + i] += bv[i]
                    }
                }
            }
            for row in 0..<count {
                let cosines = state.ropeCos + row * pairs, sines = state.ropeSin + row * pairs
                for head in 0..<c.headCount { rotate(state.q + row * qDim + head * hd, cos: cosines, sin: sines) }
                for head in 0..<c.kvHeadCount { rotate(state.k + row * kvDim + head * hd, cos: cosines, sin: sines) }
            }
            for (s, segment) in segments.enumerated() {
                let first = state.segmentOffset[s], start = segment.cache.count
                for t in 0..<segment.tokens.count {
                    let row = state.rowOfToken[first + t]
                    segment.cache.store(layer: index, position: start + t, keys: state.k + row * kvDim, values: state.v + row * kvDim)
                }
            }
            attend(segments, layer: index, state: state)
            layer.output.multiply(state.attention, plan: plan, into: xb, scratch: state.products)
            for i in 0..<(count * dim) { x[i] += xb[i] }

            // Feed-forward block (SwiGLU).
            layer.feedForwardNorm.withUnsafeBufferPointer { norm in
                for t in 0..<count {
                    Kernels.rmsNorm(x + t * dim, weight: norm.baseAddress!, into: xb + t * dim, count: dim, epsilon: c.rmsEpsilon)
                }
            }
            layer.gate.multiply(xb, plan: plan, into: state.hidden, scratch: state.products)
            layer.up.multiply(xb, plan: plan, into: state.hidden2, scratch: state.products, sameInput: true)
            Kernels.swiglu(state.hidden, state.hidden2, count: count * ffn)
            layer.down.multiply(state.hidden, plan: plan, into: xb, scratch: state.products)
            for i in 0..<(count * dim) { x[i] += xb[i] }
        }
        for segment in segments { segment.cache.count += segment.tokens.count }

        // Logits of the rows asked for, in segment order. A `.last` row is computed alone (as
        // in decoding); `.all` rows in chunks.
        var starts: [Int?] = []
        var wanted = 0, singles = true
        for (s, segment) in segments.enumerated() {
            let first = state.segmentOffset[s], n = segment.tokens.count
            switch segment.logits {
            case .none:
                starts.append(nil)
                continue
            case .last:
                starts.append(wanted)
                state.logitSource[wanted] = state.rowOfToken[first + n - 1]
                wanted += 1
            case .all:
                starts.append(wanted)
                singles = false
                for t in 0..<n { state.logitSource[wanted + t] = state.rowOfToken[first + t] }
                wanted += n
            }
        }
        guard wanted > 0 else { return starts }
        weights.outputNorm.withUnsafeBufferPointer { norm in
            for i in 0..<wanted {
                Kernels.rmsNorm(x + state.logitSource[i] * dim, weight: norm.baseAddress!, into: xb + i * dim, count: dim, epsilon: c.rmsEpsilon)
            }
        }
        state.reserveLogits(rows: wanted)
        let logitPlan = singles
            ? RowPlan(integerRows: wanted, groups: [])
            : RowPlan(integerRows: 0, groups: stride(from: 0, to: wanted, by: LlamaRunState.chunk).map { min(LlamaRunState.chunk, wanted - $0) })
        weights.output.multiply(xb, plan: logitPlan, into: state.logits, scratch: state.products, refined: true)
        return starts
    }

    @inline(__always)
    private func rotate(_ head: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let pairs = inverseFrequencies.count
        switch configuration.ropeStyle {
        case .interleaved:
            for i in 0..<pairs {
                let a = head[2 * i], b = head[2 * i + 1]
                head[2 * i] = a * cos[i] - b * sin[i]
                head[2 * i + 1] = a * sin[i] + b * cos[i]
            }
        case .neox:
            for i in 0..<pairs {
                let a = head[i], b = head[i + pairs]
                head[i] = a * cos[i] - b * sin[i]
                head[i + pairs] = a * sin[i] + b * cos[i]
            }
        }
    }

    /// Causal attention of every row over its own segment's cache, split over the pool;
    /// grouped-query heads share keys. A prompt piece (a group of the plan) is one item per
    /// head, through ``Kernels/attentionRows``; the rows computed one by one (decoding steps,
    /// single-token pieces) are one item per `(row, key/value head)`, through
    /// ``Kernels/attentionGroup``, which reads the cache once for the heads sharing it.
    /// Either way a row's result depends only on its piece and cache, never on the batch.
    private func attend(_ segments: [BatchSegment], layer: Int, state: LlamaRunState) {
        let c = configuration
        let hd = c.headDimension, qDim = c.queryDimension
        let group = c.headCount / c.kvHeadCount, heads = c.headCount
        let scale = 1 / Float(hd).squareRoot()
        let caches = segments.map(\.cache)
        let plan = state.plan, chunkStarts = state.groupStarts
        let chunkItems = plan.groups.count * heads
        // Rows computed one by one: one item per (row, key/value head), its query heads together.
        let kvHeads = c.kvHeadCount
        let items = chunkItems + plan.integerRows * (hd % 8 == 0 ? kvHeads : heads)
        state.products.pool.run(chunks: items) { item, worker in
            // Where a worker widens a head's cached halves (an f16 cache) for the float kernels.
            let widened = state.cacheFloats + worker * 2 * c.contextLength * hd
            if item < chunkItems {
                let chunk = item / heads, head = item % heads
                let row = chunkStarts[chunk], length = plan.groups[chunk]
                let positions = state.rowPosition[row] + length
                let cache = caches[state.rowSegment[row]].floats(layer: layer, head: head / group, positions: positions, scratch: widened)
                Kernels.attentionRows(
                    queries: state.q + row * qDim + head * hd, queryStride: qDim, keys: cache.keys,
                    values: cache.values, stride: hd, rows: length, positions: positions, causal: true, dimension: hd, scale: scale,
                    scores: state.chunkScores + worker * LlamaRunState.chunk * c.contextLength,
                    into: state.attention + row * qDim + head * hd, outStride: qDim)
                return
            }
            let scores = state.scores + worker * group * c.contextLength
            if hd % 8 == 0 {
                let row = (item - chunkItems) / kvHeads, kvHead = (item - chunkItems) % kvHeads
                let cache = caches[state.rowSegment[row]]
                let firstHead = kvHead * group
                let keys = cache.keys(layer: layer, head: kvHead), values = cache.values(layer: layer, head: kvHead)
                let queries = state.q + row * qDim + firstHead * hd, out = state.attention + row * qDim + firstHead * hd
                let positions = state.rowPosition[row] + 1
                switch cache.type {
                case .f32:
                    Kernels.attentionGroup(
                        queries: queries, heads: group, keys: keys.assumingMemoryBound(to: Float.self), values: values.assumingMemoryBound(to: Float.self),
                        stride: hd, positions: positions, dimension: hd, scale: scale, scores: scores, into: out)
                case .f16:
                    Kernels.attentionGroup(
                        queries: queries, heads: group, keys: keys.assumingMemoryBound(to: UInt16.self), values: values.assumingMemoryBound(to: UInt16.self),
                        stride: hd, positions: positions, dimension: hd, scale: scale, scores: scores, into: out)
                }
                return
            }
            let row = (item - chunkItems) / heads, head = (item - chunkItems) % heads
            let positions = state.rowPosition[row] + 1
            let query = state.q + row * qDim + head * hd
            let (keys, values) = caches[state.rowSegment[row]].floats(layer: layer, head: head / group, positions: positions, scratch: widened)
            let out = state.attention + row * qDim + head * hd
            for position in 0..<positions {
                scores[position] = Kernels.dot(query, keys + position * hd, count: hd) * scale
            }
            Kernels.softmax(scores, count: positions)
            out.update(repeating: 0, count: hd)
            for position in 0..<positions {
                Kernels.addScaled(values + position * hd, scores[position], into: out, count: hd)
            }
        }
    }
}

/// One sequence's part of a forward call: its new tokens, the cache they extend, and which
/// logits it needs.
package struct BatchSegment {
    package var tokens: ArraySlice<Int>
    package var cache: KVCache
    package var logits: LlamaModel.LogitsWanted

    package init(tokens: ArraySlice<Int>, cache: KVCache, logits: LlamaModel.LogitsWanted) {
        self.tokens = tokens
        self.cache = cache
        self.logits = logits
    }
}
