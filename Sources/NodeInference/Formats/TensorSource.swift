/// A tensor as a model sees it, whatever the file format: its element type, its shape
/// outermost-first (`[out, in]` for a linear layer), and its bytes inside a mapping.
package struct TensorView {
    /// `nil` for element types the runtime cannot compute with.
    package var type: TensorType?
    package var typeName: String
    package var shape: [Int]
    package var data: UnsafeRawBufferPointer
}

/// Where a model's tensors come from (a GGUF file, a safetensors checkpoint).
package protocol TensorSource: Sendable {
    func view(_ name: String) -> TensorView?
    /// Lets the pages of `bytes` (tensor data not read again) leave resident memory; sources
    /// that do not map files do nothing.
    func release(_ bytes: UnsafeRawBufferPointer)
}

extension TensorSource {
    package func release(_ bytes: UnsafeRawBufferPointer) {}
}

extension GGUFFile: TensorSource {
    package func view(_ name: String) -> TensorView? {
        guard let info = tensor(name) else { return nil }
        return TensorView(
            type: info.type.isSupported ? info.type : nil, typeName: info.type.description,
            shape: info.dimensions.reversed(), data: data(of: info))
    }

    package func release(_ bytes: UnsafeRawBufferPointer) { file.release(bytes) }
}

extension SafetensorsCheckpoint: TensorSource {
    package func view(_ name: String) -> TensorView? {
        guard let (file, info) = tensor(name) else { return nil }
        return TensorView(type: info.dtype.tensorType, typeName: info.dtype.rawValue, shape: info.shape, data: file.data(of: info))
    }

    package func release(_ bytes: UnsafeRawBufferPointer) {
        for shard in files { shard.file.release(bytes) }
    }
}

extension TensorSource {
    /// A computable tensor by name, or a `ModelError` naming what is wrong with it.
    package func checkedView(_ name: String) throws(ModelError) -> (TensorView, TensorType) {
        guard let view = view(name) else { throw .missingTensor(name) }
        guard let type = view.type else { throw .unsupportedTensorType(name: name, type: view.typeName) }
        return (view, type)
    }

    /// A weight matrix `(rows, columns)`, read in place; its shape must match exactly.
    package func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> WeightMatrix {
        let (view, type) = try checkedView(name)
        guard view.shape == [rows, columns] else { throw .tensorShape(name: name, expected: [rows, columns], found: view.shape) }
        guard let base = view.data.baseAddress else { throw .missingTensor(name) }
        return WeightMatrix(rows: rows, columns: columns, type: type, base: base)
    }

    /// A small vector (norm weights, biases), copied out as f32.
    package func vector(_ name: String, count: Int) throws(ModelError) -> [Float] {
        let (view, type) = try checkedView(name)
        guard view.shape == [count] else { throw .tensorShape(name: name, expected: [count], found: view.shape) }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { destination in
            if let source = view.data.baseAddress, let target = destination.baseAddress {
                Dequantize.row(type, from: source, into: target, count: count)
            }
        }
        return values
    }
}
