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
