import Dispatch
import Synchronization
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
/// Requests that arrive while the model is busy are encoded together in the next batch (one
/// packed batch through sgemm), whatever client sent them.
public final class EmbeddingWorker: TextEmbedder {
    let model: EmbeddingModel
    private let queue: DispatchQueue
    private let line: AdmissionLine
    private let pending = Mutex(Pending())

    private struct Waiting {
        var inputs: [EmbeddingModel.Input]
        var truncation: EmbeddingModel.Truncation
        var continuation: CheckedContinuation<[EmbeddingModel.Embedding], any Error>
    }

    private struct Pending {
        var waiting: [Waiting] = []
        var scheduled = false
    }

    /// Inputs encoded together at most; a larger request still runs, alone.
    static let maxCoalescedInputs = 256

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
        defer { ticket.release() }
        return try await withCheckedThrowingContinuation { continuation in
            let schedule = pending.withLock { pending -> Bool in
                pending.waiting.append(Waiting(inputs: inputs, truncation: truncation, continuation: continuation))
                defer { pending.scheduled = true }
                return !pending.scheduled
            }
            if schedule { queue.async { [self] in drain() } }
        }
    }

    /// Encodes everything waiting, as few batches as the truncation modes and size allow.
    private func drain() {
        while true {
            let batch = pending.withLock { pending -> [Waiting] in
                guard let first = pending.waiting.first else {
                    pending.scheduled = false
                    return []
                }
                var taken = [first], count = first.inputs.count
                var rest: [Waiting] = []
                for waiting in pending.waiting.dropFirst() {
                    if waiting.truncation == first.truncation, count + waiting.inputs.count <= Self.maxCoalescedInputs {
                        taken.append(waiting)
                        count += waiting.inputs.count
                    } else {
                        rest.append(waiting)
                    }
                }
                pending.waiting = rest
                return taken
            }
            guard !batch.isEmpty else { return }
            run(batch)
        }
    }

    private func run(_ batch: [Waiting]) {
        if batch.count > 1, let all = try? model.embed(batch.flatMap(\.inputs), truncation: batch[0].truncation) {
            var start = 0
            for waiting in batch {
                waiting.continuation.resume(returning: Array(all[start..<(start + waiting.inputs.count)]))
                start += waiting.inputs.count
            }
            return
        }
        // Alone, or one of them is refused: each gets its own answer (or its own error).
        for waiting in batch {
            waiting.continuation.resume(with: Result { try model.embed(waiting.inputs, truncation: waiting.truncation) })
        }
    }
}
