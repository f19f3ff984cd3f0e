/// The tensors of a BERT encoder, checked for presence and shape at load. Names may carry a
/// `bert.` (or `roberta.`) prefix, as task checkpoints do.
package struct BertWeights: @unchecked Sendable {
    // @unchecked: matrices point into the immutable mappings held by `source`.
    package struct Layer {
        package var query, key, value, attentionOutput, intermediate, output: WeightMatrix
        package var queryBias, keyBias, valueBias, attentionOutputBias, intermediateBias, outputBias: [Float]
        package var attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias: [Float]
    }

    package var wordEmbeddings: WeightMatrix
    package var positionEmbeddings: WeightMatrix
    package var typeEmbeddings: WeightMatrix
    package var embeddingNormWeight, embeddingNormBias: [Float]
    package var layers: [Layer]
    let source: any TensorSource

    package init(source: any TensorSource, configuration c: BertConfiguration) throws(ModelError) {
        self.source = source
        let prefix = ["", "bert.", "roberta.", "model."].first { source.view($0 + "embeddings.word_embeddings.weight") != nil } ?? ""
        func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> WeightMatrix {
            try source.matrix(prefix + name, rows: rows, columns: columns)
        }
        // The layers' products go through panels packed once here (see ``PackedPanels``), and
        // the mapped pages they were copied from leave resident memory; the embedding tables
        // are only read row by row and stay in the mapping. Every layer matrix is packed
        // (``BertModel`` relies on it): safetensors hold only float types, and any other is
        // refused here rather than computed another way.
        func product(_ name: String, rows: Int, columns: Int) throws(ModelError) -> WeightMatrix {
            let matrix = try matrix(name, rows: rows, columns: columns)
            let packed = matrix.packedForProducts()
            guard packed.panels != nil else { throw .unsupportedTensorType(name: prefix + name, type: "\(matrix.type)") }
            source.release(UnsafeRawBufferPointer(start: matrix.base, count: matrix.rows * matrix.rowBytes))
            return packed
        }
        func vector(_ name: String, count: Int) throws(ModelError) -> [Float] {
            try source.vector(prefix + name, count: count)
        }
        let d = c.dimension, f = c.feedForwardDimension
        wordEmbeddings = try matrix("embeddings.word_embeddings.weight", rows: c.vocabularySize, columns: d)
        positionEmbeddings = try matrix("embeddings.position_embeddings.weight", rows: c.maxPositions, columns: d)
        typeEmbeddings = try matrix("embeddings.token_type_embeddings.weight", rows: c.typeVocabularySize, columns: d)
        embeddingNormWeight = try vector("embeddings.LayerNorm.weight", count: d)
        embeddingNormBias = try vector("embeddings.LayerNorm.bias", count: d)
        layers = []
        for index in 0..<c.layerCount {
            let p = "encoder.layer.\(index)."
            layers.append(
                Layer(
                    query: try product(p + "attention.self.query.weight", rows: d, columns: d),
                    key: try product(p + "attention.self.key.weight", rows: d, columns: d),
                    value: try product(p + "attention.self.value.weight", rows: d, columns: d),
                    attentionOutput: try product(p + "attention.output.dense.weight", rows: d, columns: d),
                    intermediate: try product(p + "intermediate.dense.weight", rows: f, columns: d),
                    output: try product(p + "output.dense.weight", rows: d, columns: f),
                    queryBias: try vector(p + "attention.self.query.bias", count: d),
                    keyBias: try vector(p + "attention.self.key.bias", count: d),
                    valueBias: try vector(p + "attention.self.value.bias", count: d),
                    attentionOutputBias: try vector(p + "attention.output.dense.bias", count: d),
                    intermediateBias: try vector(p + "intermediate.dense.bias", count: f),
                    outputBias: try vector(p + "output.dense.bias", count: d),
                    attentionNormWeight: try vector(p + "attention.output.LayerNorm.weight", count: d),
                    attentionNormBias: try vector(p + "attention.output.LayerNorm.bias", count: d),
                    outputNormWeight: try vector(p + "output.LayerNorm.weight", count: d),
                    outputNormBias: try vector(p + "output.LayerNorm.bias", count: d)
                ))
        }
    }
}
