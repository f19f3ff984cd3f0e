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
    private let line: AdmissionLine

    /// `maxQueued`: requests that may wait while one runs; more get 503 (`nil`: no limit).
    public init(model: EmbeddingModel, label: String, maxQueued: Int? = nil) {
        self.model = model
        self.queue = DispatchQueue(label: "cyxwiz.embeddings.\(label)", qos: .userInitiated)
        self.line = AdmissionLine(capacity: maxQueued.map { $0 + 1 })
    }

    public var dimensions: Int { model.dimensions }
    public var maxInputTokens: Int { model.maxSequenceLength }
    public var vocabularySize: Int { model.tokenizer.vocabularySize }

    public func embed(_ inputs: [EmbeddingModel.Input], truncation: EmbeddingModel.Truncation) async throws -> [EmbeddingModel.Embedding] {
        guard let ticket = line.enter() else { throw APIError.overloaded }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { [model] in
                continuation.resume(with: Result { try model.embed(inputs, truncation: truncation) })
                ticket.release()
            }
        }
    }
}
