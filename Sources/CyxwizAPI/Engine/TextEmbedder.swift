import Dispatch
import NodeInference

/// What the embeddings endpoint needs from a model; the real one is ``EmbeddingWorker``, tests
/// may use another.
public protocol TextEmbedder: Sendable {
    var dimensions: Int { get }
    var maxInputTokens: Int { get }
    var vocabularySize: Int { get }
    func embed(_ inputs: [EmbeddingModel.Input], truncation: EmbeddingModel.Truncation) async throws -> [EmbeddingModel.Embedding]
}

/// Runs one embedding model on its own serial queue: the model's computation is long and
/// synchronous, so it must not occupy the server's event loops or Swift's cooperative threads.
public final class EmbeddingWorker: TextEmbedder {
    let model: EmbeddingModel
    private let queue: DispatchQueue

    public init(model: EmbeddingModel, label: String) {
        self.model = model
        self.queue = DispatchQueue(label: "cyxwiz.embeddings.\(label)", qos: .userInitiated)
    }

    public var dimensions: Int { model.dimensions }
    public var maxInputTokens: Int { model.maxSequenceLength }
    public var vocabularySize: Int { model.tokenizer.vocabularySize }

    public func embed(_ inputs: [EmbeddingModel.Input], truncation: EmbeddingModel.Truncation) async throws -> [EmbeddingModel.Embedding] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [model] in
                continuation.resume(with: Result { try model.embed(inputs, truncation: truncation) })
            }
        }
    }
}
