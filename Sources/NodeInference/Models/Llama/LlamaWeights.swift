/// The tensors of a Llama-family decoder, checked for presence, shape and type at load.
/// Matrices stay in the mapped file; only norm vectors and biases (tiny) are copied as f32.
package struct LlamaWeights: @unchecked Sendable {
    // @unchecked: matrices point into the immutable mapping held by `file`.
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
    let file: GGUFFile

    package init(gguf file: GGUFFile, configuration c: LlamaConfiguration) throws(ModelError) {
        self.file = file
        func tensor(_ name: String) throws(ModelError) -> GGUFFile.TensorInfo {
            guard let info = file.tensor(name) else { throw .missingTensor(name) }
            guard info.type.isSupported else { throw .unsupportedTensorType(name: name, type: info.type.description) }
            return info
        }
        /// A weight `(rows, columns)`, stored by GGUF as dimensions `[columns, rows]`.
        func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> WeightMatrix {
            let info = try tensor(name)
            guard info.dimensions == [columns, rows] else {
                throw .tensorShape(name: name, expected: [columns, rows], found: info.dimensions)
            }
            guard let base = file.data(of: info).baseAddress else { throw .missingTensor(name) }
            return WeightMatrix(rows: rows, columns: columns, type: info.type, base: base)
        }
        func vector(_ name: String, count: Int) throws(ModelError) -> [Float] {
            let info = try tensor(name)
            guard info.elementCount == count, info.dimensions.count == 1 else {
                throw .tensorShape(name: name, expected: [count], found: info.dimensions)
            }
            var values = [Float](repeating: 0, count: count)
            let bytes = file.data(of: info)
            values.withUnsafeMutableBufferPointer { destination in
                if let source = bytes.baseAddress, let target = destination.baseAddress {
                    Dequantize.row(info.type, from: source, into: target, count: count)
                }
            }
            return values
        }

        embedding = try matrix("token_embd.weight", rows: c.vocabularySize, columns: c.dimension)
        output = file.tensor("output.weight") == nil
            ? embedding : try matrix("output.weight", rows: c.vocabularySize, columns: c.dimension)
        outputNorm = try vector("output_norm.weight", count: c.dimension)
        if file.tensor("rope_freqs.weight") != nil {
            ropeFrequencyFactors = try vector("rope_freqs.weight", count: c.ropeDimension / 2)
        }
        layers = []
        for index in 0..<c.layerCount {
            let p = "blk.\(index)."
            layers.append(
                Layer(
                    attentionNorm: try vector(p + "attn_norm.weight", count: c.dimension),
                    query: try matrix(p + "attn_q.weight", rows: c.queryDimension, columns: c.dimension),
                    key: try matrix(p + "attn_k.weight", rows: c.kvDimension, columns: c.dimension),
                    value: try matrix(p + "attn_v.weight", rows: c.kvDimension, columns: c.dimension),
                    output: try matrix(p + "attn_output.weight", rows: c.dimension, columns: c.queryDimension),
                    queryBias: c.hasAttentionBiases ? try vector(p + "attn_q.bias", count: c.queryDimension) : nil,
                    keyBias: c.hasAttentionBiases ? try vector(p + "attn_k.bias", count: c.kvDimension) : nil,
                    valueBias: c.hasAttentionBiases ? try vector(p + "attn_v.bias", count: c.kvDimension) : nil,
                    feedForwardNorm: try vector(p + "ffn_norm.weight", count: c.dimension),
                    gate: try matrix(p + "ffn_gate.weight", rows: c.feedForwardDimension, columns: c.dimension),
                    up: try matrix(p + "ffn_up.weight", rows: c.feedForwardDimension, columns: c.dimension),
                    down: try matrix(p + "ffn_down.weight", rows: c.dimension, columns: c.feedForwardDimension)
                ))
        }
    }
}
