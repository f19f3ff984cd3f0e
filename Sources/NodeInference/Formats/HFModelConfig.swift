import Foundation

/// The fields of a Hugging Face `config.json` that the supported families use
/// (`llama`, `mistral`, `qwen2`, `bert`); others are ignored.
package struct HFModelConfig: Decodable, Sendable, Equatable {
    package struct RopeScaling: Decodable, Sendable, Equatable {
        package var ropeType: String?
        package var type: String?
        package var factor: Double?
        package var lowFreqFactor: Double?
        package var highFreqFactor: Double?
        package var originalMaxPositionEmbeddings: Int?

        /// `rope_type`, or the older `type`.
        package var kind: String? { ropeType ?? type }

        enum CodingKeys: String, CodingKey {
            case type, factor
            case ropeType = "rope_type"
            case lowFreqFactor = "low_freq_factor"
            case highFreqFactor = "high_freq_factor"
            case originalMaxPositionEmbeddings = "original_max_position_embeddings"
        }
    }

    package var modelType: String
    package var hiddenSize: Int
    package var intermediateSize: Int
    package var numHiddenLayers: Int
    package var numAttentionHeads: Int
    package var numKeyValueHeads: Int?
    package var headDim: Int?
    package var maxPositionEmbeddings: Int?
    package var rmsNormEps: Double?
    package var ropeTheta: Double?
    package var ropeScaling: RopeScaling?
    package var vocabSize: Int
    package var tieWordEmbeddings: Bool?
    package var attentionBias: Bool?
    // BERT
    package var layerNormEps: Double?
    package var typeVocabSize: Int?
    package var hiddenAct: String?
    package var positionEmbeddingType: String?
    package var padTokenId: Int?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim"
        case maxPositionEmbeddings = "max_position_embeddings"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case ropeScaling = "rope_scaling"
        case vocabSize = "vocab_size"
        case tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias"
        case layerNormEps = "layer_norm_eps"
        case typeVocabSize = "type_vocab_size"
        case hiddenAct = "hidden_act"
        case positionEmbeddingType = "position_embedding_type"
        case padTokenId = "pad_token_id"
    }

    /// Reads `config.json` of a model folder; errors name the field.
    package static func load(folder: String) throws -> HFModelConfig {
        let path = (folder as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.invalidConfiguration("cannot read \(path)")
        }
        do {
            return try WireFormat.decode(HFModelConfig.self, from: data)
        } catch {
            throw ModelError.invalidConfiguration("config.json: \(error.message)")
        }
    }
}
