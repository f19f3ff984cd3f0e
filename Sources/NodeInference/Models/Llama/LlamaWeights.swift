/// The tensors of a Llama-family decoder, checked for presence, shape and type at load.
/// Matrices stay in the mapped file; only norm vectors and biases (tiny) are copied as f32.
package struct LlamaWeights: @unchecked Sendable {
    // @unchecked: matrices point into the immutable mappings held by `source`.
    package struct Layer {
        package var attentionNorm: [Float]
        package var query, key, value, output: WeightMatrix
        package var queryBias, keyBias, valueBias: [Float]?
        package var feedForwardNorm: [Float]
        package var gate, up, down: WeightMatrix
    }

    package var embedding: WeightMatrix
    package var layers: [Layer]
    package var outputNorm: [Float]
    /// The output projection; the embedding itself when the model ties them.
    package var output: WeightMatrix
    /// Per-pair divisors of the RoPE frequencies (`rope_freqs.weight`, Llama 3.1 scaling).
    package var ropeFrequencyFactors: [Float]?
    let source: any TensorSource

    package init(source: any TensorSource, names: LlamaTensorNames, configuration c: LlamaConfiguration) throws(ModelError) {
        self.source = source
        func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> WeightMatrix {
            try source.matrix(name, rows: rows, columns: columns)
        }
        func vector(_ name: String, count: Int) throws(ModelError) -> [Float] {
            try source.vector(name, count: count)
        }

        embedding = try matrix(names.embedding, rows: c.vocabularySize, columns: c.dimension)
        output = source.view(names.output) == nil ? embedding : try matrix(names.output, rows: c.vocabularySize, columns: c.dimension)
        outputNorm = try vector(names.outputNorm, count: c.dimension)
        if let name = names.ropeFrequencies, source.view(name) != nil {
            ropeFrequencyFactors = try vector(name, count: c.ropeDimension / 2)
        }
        layers = []
        for index in 0..<c.layerCount {
            func name(_ part: LlamaTensorNames.Part) -> String { names.layer(index, part) }
            layers.append(
                Layer(
                    attentionNorm: try vector(name(.attentionNorm), count: c.dimension),
                    query: try matrix(name(.query), rows: c.queryDimension, columns: c.dimension),
                    key: try matrix(name(.key), rows: c.kvDimension, columns: c.dimension),
                    value: try matrix(name(.value), rows: c.kvDimension, columns: c.dimension),
                    output: try matrix(name(.output), rows: c.dimension, columns: c.queryDimension),
                    queryBias: c.hasAttentionBiases ? try vector(name(.queryBias), count: c.queryDimension) : nil,
                    keyBias: c.hasAttentionBiases ? try vector(name(.keyBias), count: c.kvDimension) : nil,
                    valueBias: c.hasAttentionBiases ? try vector(name(.valueBias), count: c.kvDimension) : nil,
                    feedForwardNorm: try vector(name(.feedForwardNorm), count: c.dimension),
                    gate: try matrix(name(.gate), rows: c.feedForwardDimension, columns: c.dimension),
                    up: try matrix(name(.up), rows: c.feedForwardDimension, columns: c.dimension),
                    down: try matrix(name(.down), rows: c.dimension, columns: c.feedForwardDimension)
                ))
        }
    }
}
