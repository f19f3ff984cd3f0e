import Dispatch
import Foundation
import NodeInference

/// Runs one language model's jobs on its own serial queue, off the event loops. Ending the
/// returned stream (a client that disconnects) cancels the job before its next token.
public final class GenerationWorker: Sendable {
    public let model: LanguageModel
    private let queue: DispatchQueue
    private let metrics: ServerMetrics?
    private let shutdown: ShutdownCoordinator?

    public init(model: LanguageModel, label: String, metrics: ServerMetrics? = nil, shutdown: ShutdownCoordinator? = nil) {
        self.model = model
        self.queue = DispatchQueue(label: "cyxwiz.generation.\(label)", qos: .userInitiated)
        self.metrics = metrics
        self.shutdown = shutdown
    }

    public func run(_ job: CompletionJob) -> AsyncThrowingStream<CompletionEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<CompletionEvent, any Error>.makeStream()
        let cancelled = CancellationFlag()
        continuation.onTermination = { _ in cancelled.set() }
        let metrics = self.metrics, shutdown = self.shutdown
        metrics?.queuedRequests.increment()
        queue.async { [model] in
            metrics?.queuedRequests.decrement()
            metrics?.activeSequences.increment(by: Double(job.choices))
            defer { metrics?.activeSequences.decrement(by: Double(job.choices)) }
            do {
                try model.complete(job, isCancelled: { cancelled.isSet || shutdown?.isAborting == true }) { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return stream
    }

    /// Log-probabilities of each prompt token given the ones before it (for `echo`).
    public func promptLogprobs(_ tokens: [Int], top: Int) async throws -> [TokenLogprobs?] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [model] in continuation.resume(with: Result { try model.promptLogprobs(tokens, top: top) }) }
        }
    }
}

/// A flag set once from any thread.
final class CancellationFlag: @unchecked Sendable {
    // @unchecked: every access holds the lock.
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// A configured chat or completion model ready to serve.
public struct ServedLanguageModel: Sendable {
    public var worker: GenerationWorker
    public var template: ChatTemplate?
    public var bosToken: String?
    public var eosToken: String?
    /// Identifies the model file and build, as OpenAI's `system_fingerprint` does.
    public var fingerprint: String
}
