import Foundation

/// The blueprint of a Llama-family decoder (Llama 2/3, SmolLM, Mistral, Qwen2).
package struct LlamaConfiguration: Sendable, Equatable {
    package enum RoPEStyle: Sendable, Equatable {
        /// Rotates pairs (2i, 2i+1): GGUF `llama` files, whose q/k rows the converter permuted.
        case interleaved
        /// Rotates pairs (i, i + d/2): Hugging Face checkpoints and GGUF `qwen2`.
        case neox
    }

    package var architecture: String
    package var layerCount: Int
    package var contextLength: Int
    /// Width of the residual stream.
    package var dimension: Int
    package var feedForwardDimension: Int
    package var headCount: Int
    package var kvHeadCount: Int
    package var headDimension: Int
    package var ropeDimension: Int
    package var ropeBase: Float
    package var ropeStyle: RoPEStyle
    /// Linear RoPE scaling: positions are divided by this.
    package var ropeLinearFactor: Float
    package var rmsEpsilon: Float
    package var vocabularySize: Int
    /// q, k and v projections carry biases (Qwen2).
    package var hasAttentionBiases: Bool
    /// Llama 3 frequency-dependent RoPE scaling, when a config.json declares it (GGUF files
    /// carry the resulting factors as the `rope_freqs.weight` tensor instead).
    package var llama3Scaling: Llama3RopeScaling? = nil

    package struct Llama3RopeScaling: Sendable, Equatable {
        package var factor: Double
        package var lowFrequencyFactor: Double
        package var highFrequencyFactor: Double
        package var originalContextLength: Int

        /// The divisor of each pair's frequency.
        /// Follows the `llama3` rope initialisation of Hugging Face transformers.
        package func divisors(inverseFrequencies: [Float]) -> [Float] {
            let lowWavelength = Double(originalContextLength) / lowFrequencyFactor
            let highWavelength = Double(originalContextLength) / highFrequencyFactor
            return inverseFrequencies.map { frequency in
                let wavelength = 2 * Double.pi / Double(frequency)
                if wavelength < highWavelength { return 1 }
                if wavelength > lowWavelength { return Float(factor) }
                let smooth = (Double(originalContextLength) / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor)
                let scaled = (1 - smooth) / factor + smooth
                return Float(1 / scaled)
            }
        }
    }

    package var queryDimension: Int { headCount * headDimension }
    package var kvDimension: Int { kvHeadCount * headDimension }

    package func validate() throws(ModelError) {
        func check(_ condition: Bool, _ message: String) throws(ModelError) {
            if !condition { throw .invalidConfiguration(message) }
        }
        try check(layerCount > 0 && layerCount <= 1024, "block count \(layerCount)")
        try check(dimension > 0 && dimension <= 65536, "embedding length \(dimension)")
        try check(feedForwardDimension > 0 && feedForwardDimension <= 1 << 20, "feed-forward length \(feedForwardDimension)")
        try check(headCount > 0 && kvHeadCount > 0 && headCount % kvHeadCount == 0,
                  "\(headCount) attention heads cannot share \(kvHeadCount) key/value heads")
        try check(headDimension > 0 && headDimension % 2 == 0 && headDimension <= 1024, "head dimension \(headDimension)")
        try check(ropeDimension > 0 && ropeDimension % 2 == 0 && ropeDimension <= headDimension,
                  "rope dimension \(ropeDimension) for heads of \(headDimension)")
        try check(contextLength > 0 && contextLength <= 1 << 22, "context length \(contextLength)")
        try check(vocabularySize > 0 && vocabularySize <= 1 << 22, "vocabulary size \(vocabularySize)")
        try check(ropeBase.isFinite && ropeBase > 1, "rope base \(ropeBase)")
        try check(rmsEpsilon.isFinite && rmsEpsilon > 0 && rmsEpsilon < 1, "RMSNorm epsilon \(rmsEpsilon)")
        try check(ropeLinearFactor.isFinite && ropeLinearFactor > 0, "rope scaling factor \(ropeLinearFactor)")
    }
}

extension LlamaConfiguration {
    /// Reads the `<architecture>.*` keys of a GGUF file.
    package init(gguf file: GGUFFile) throws {
        let architecture = try file.string("general.architecture")
        let prefix = architecture
        func int(_ key: String) throws -> Int { try file.int("\(prefix).\(key)") }
        func optionalInt(_ key: String) -> Int? { file.metadata["\(prefix).\(key)"]?.intValue }
        func optionalDouble(_ key: String) -> Double? { file.metadata["\(prefix).\(key)"]?.doubleValue }

        let dimension = try int("embedding_length")
        let headCount = try int("attention.head_count")
        let headDimension = optionalInt("attention.key_length") ?? (headCount > 0 ? dimension / headCount : 0)
        var vocabulary = optionalInt("vocab_size")
        if vocabulary == nil, case .array(let tokens)? = file.metadata["tokenizer.ggml.tokens"] { vocabulary = tokens.count }
        if vocabulary == nil, let embedding = file.tensor("token_embd.weight"), embedding.dimensions.count == 2 {
            vocabulary = embedding.dimensions[1]
        }
        var linearFactor: Float = 1
        if file.metadata["\(prefix).rope.scaling.type"]?.stringValue == "linear",
            let factor = optionalDouble("rope.scaling.factor"), factor > 0
        {
            linearFactor = Float(factor)
        }
        self.init(
            architecture: architecture,
            layerCount: try int("block_count"),
            contextLength: try int("context_length"),
            dimension: dimension,
            feedForwardDimension: try int("feed_forward_length"),
            headCount: headCount,
            kvHeadCount: optionalInt("attention.head_count_kv") ?? headCount,
            headDimension: headDimension,
            ropeDimension: optionalInt("rope.dimension_count") ?? headDimension,
            ropeBase: Float(optionalDouble("rope.freq_base") ?? 10000),
            ropeStyle: architecture == "qwen2" ? .neox : .interleaved,
            ropeLinearFactor: linearFactor,
            rmsEpsilon: Float(optionalDouble("attention.layer_norm_rms_epsilon") ?? 1e-5),
            vocabularySize: vocabulary ?? 0,
            hasAttentionBiases: file.tensor("blk.0.attn_q.bias") != nil
        )
        try validate()
    }
}

extension LlamaConfiguration {
    /// Reads a Hugging Face `config.json` of the `llama`, `mistral` or `qwen2` families.
    package init(hf config: HFModelConfig) throws {
        guard ModelRegistry.llamaFamily.contains(config.modelType) else {
            throw ModelError.unsupportedArchitecture(config.modelType)
        }
        let headDimension = config.headDim ?? (config.numAttentionHeads > 0 ? config.hiddenSize / config.numAttentionHeads : 0)
        var linearFactor: Float = 1
        var llama3: Llama3RopeScaling?
        if let scaling = config.ropeScaling {
            switch scaling.kind {
            case "linear":
                linearFactor = Float(scaling.factor ?? 1)
            case "llama3":
                guard let factor = scaling.factor, let low = scaling.lowFreqFactor, let high = scaling.highFreqFactor,
                    let original = scaling.originalMaxPositionEmbeddings, factor > 0, high > low, original > 0
                else { throw ModelError.invalidConfiguration("rope_scaling of type llama3 needs factor, low/high_freq_factor and original_max_position_embeddings") }
                llama3 = Llama3RopeScaling(factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high, originalContextLength: original)
            case nil, "default":
                break
            case let other?:
                throw ModelError.invalidConfiguration("rope_scaling type '\(other)' is not supported (linear and llama3 are)")
            }
        }
        self.init(
            architecture: config.modelType,
            layerCount: config.numHiddenLayers,
            contextLength: config.maxPositionEmbeddings ?? 2048,
            dimension: config.hiddenSize,
            feedForwardDimension: config.intermediateSize,
            headCount: config.numAttentionHeads,
            kvHeadCount: config.numKeyValueHeads ?? config.numAttentionHeads,
            headDimension: headDimension,
            ropeDimension: headDimension,
            ropeBase: Float(config.ropeTheta ?? 10000),
            ropeStyle: .neox,
            ropeLinearFactor: linearFactor,
            rmsEpsilon: Float(config.rmsNormEps ?? 1e-6),
            vocabularySize: config.vocabSize,
            hasAttentionBiases: config.modelType == "qwen2" || config.attentionBias == true,
            llama3Scaling: llama3
        )
        try validate()
    }
}
