import Foundation

/// The fields of a Hugging Face `config.json` that the supported families use
/// (`llama`, `mistral`, `qwen2`, `bert`); others are ignored.
public struct HFModelConfig: Decodable, Sendable, Equatable {
    public struct RopeScaling: Decodable, Sendable, Equatable {
        public var ropeType: String?
        public var type: String?
        public var factor: Double?
        public var lowFreqFactor: Double?
        public var highFreqFactor: Double?
        public var originalMaxPositionEmbeddings: Int?

        /// `rope_type`, or the older `type`.
        public var kind: String? { ropeType ?? type }

        enum CodingKeys: String, CodingKey {
            case type, factor
            case ropeType = "rope_type"
            case lowFreqFactor = "low_freq_factor"
            case highFreqFactor = "high_freq_factor"
            case originalMaxPositionEmbeddings = "original_max_position_embeddings"
        }
    }

    public var modelType: String
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int?
    public var headDim: Int?
    public var maxPositionEmbeddings: Int?
    public var rmsNormEps: Double?
    public var ropeTheta: Double?
    public var ropeScaling: RopeScaling?
    public var vocabSize: Int
    public var tieWordEmbeddings: Bool?
    public var attentionBias: Bool?
    // BERT
    public var layerNormEps: Double?
    public var typeVocabSize: Int?
    public var hiddenAct: String?
    public var positionEmbeddingType: String?
    public var padTokenId: Int?

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
    public static func load(folder: String) throws -> HFModelConfig {
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
