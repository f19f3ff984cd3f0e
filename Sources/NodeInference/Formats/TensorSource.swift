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
}

extension GGUFFile: TensorSource {
    package func view(_ name: String) -> TensorView? {
        guard let info = tensor(name) else { return nil }
        return TensorView(
            type: info.type.isSupported ? info.type : nil, typeName: info.type.description,
            shape: info.dimensions.reversed(), data: data(of: info))
    }
}

extension SafetensorsCheckpoint: TensorSource {
    package func view(_ name: String) -> TensorView? {
        guard let (file, info) = tensor(name) else { return nil }
        return TensorView(type: info.dtype.tensorType, typeName: info.dtype.rawValue, shape: info.shape, data: file.data(of: info))
    }
}
