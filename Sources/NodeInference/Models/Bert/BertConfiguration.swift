/// The blueprint of a BERT encoder, from a Hugging Face `config.json`.
package struct BertConfiguration: Sendable, Equatable {
    package var layerCount: Int
    package var dimension: Int
    package var feedForwardDimension: Int
    package var headCount: Int
    package var maxPositions: Int
    package var typeVocabularySize: Int
    package var vocabularySize: Int
    package var layerNormEpsilon: Float
    /// RoBERTa-style models number positions from `padTokenId + 1`.
    package var positionOffset: Int

    package var headDimension: Int { dimension / headCount }

    package init(hf config: HFModelConfig) throws(ModelError) {
        guard ["bert", "roberta", "xlm-roberta"].contains(config.modelType) else {
            throw .unsupportedArchitecture(config.modelType)
        }
        if let activation = config.hiddenAct, activation != "gelu" {
            throw .invalidConfiguration("hidden_act '\(activation)' is not supported (gelu is)")
        }
        if let kind = config.positionEmbeddingType, kind != "absolute" {
            throw .invalidConfiguration("position_embedding_type '\(kind)' is not supported (absolute is)")
        }
        layerCount = config.numHiddenLayers
        dimension = config.hiddenSize
        feedForwardDimension = config.intermediateSize
        headCount = config.numAttentionHeads
        maxPositions = config.maxPositionEmbeddings ?? 512
        typeVocabularySize = config.typeVocabSize ?? 2
        vocabularySize = config.vocabSize
        layerNormEpsilon = Float(config.layerNormEps ?? 1e-12)
        positionOffset = config.modelType == "bert" ? 0 : (config.padTokenId ?? 1) + 1
        guard layerCount > 0, layerCount <= 256, dimension > 0, dimension <= 16384, headCount > 0, dimension % headCount == 0,
            feedForwardDimension > 0, feedForwardDimension <= 1 << 17, maxPositions > positionOffset, maxPositions <= 1 << 16,
            typeVocabularySize > 0, vocabularySize > 0, vocabularySize <= 1 << 22, layerNormEpsilon > 0
        else { throw .invalidConfiguration("inconsistent BERT sizes in config.json") }
    }
}
