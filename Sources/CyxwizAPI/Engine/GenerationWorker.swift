import Dispatch
import Foundation
import Synchronization
import NodeInference

/// One language model's requests, run in the model's continuous batch (off the event loops).
/// Ending the returned stream (a client that disconnects) cancels the job before its next
/// step; a job past its deadline stops the same way and its stream ends with
/// ``GenerationTimeout``. Echo's prompt scoring runs on a serial queue of its own.
public final class GenerationWorker: Sendable {
    public let model: LanguageModel
    /// The id the model was first configured under; the metrics' `model` label.
    public let label: String
    private let queue: DispatchQueue
    private let metrics: ServerMetrics?
    private let shutdown: ShutdownCoordinator?
    let line: AdmissionLine

    /// `maxQueued`: requests that may wait while one runs; more get 503 (`nil`: no limit).
    public init(
        model: LanguageModel, label: String, maxQueued: Int? = nil, metrics: ServerMetrics? = nil, shutdown: ShutdownCoordinator? = nil
    ) {
        self.model = model
        self.label = label
        self.queue = DispatchQueue(label: "cyxwiz.generation.\(label)", qos: .userInitiated)
        self.metrics = metrics
        self.shutdown = shutdown
        self.line = AdmissionLine(capacity: maxQueued.map { $0 + 1 })
    }

    /// Takes a place in this model's line for one request, or refuses with 503 when the line
    /// is full. The place is given back when the returned ticket is released.
    public func admit() throws(APIError) -> AdmissionTicket {
        guard let ticket = line.enter() else { throw APIError.overloaded }
        return ticket
    }

    /// Streams `job`'s events from the model's batch. Ending the stream (a client that
    /// disconnects), the deadline, or an aborting shutdown stops it before its next step.
    public func run(_ job: CompletionJob, deadline: ContinuousClock.Instant? = nil) -> AsyncThrowingStream<CompletionEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<CompletionEvent, any Error>.makeStream()
        let cancelled = OnceFlag(), timedOut = OnceFlag(), started = OnceFlag()
        continuation.onTermination = { _ in cancelled.set() }
        let metrics = self.metrics, shutdown = self.shutdown
        metrics?.queuedRequests.increment()
        let sequences = Double(max(1, job.choices))
        model.submit(job, sink: SendableSink(
            isCancelled: {
                if let deadline, ContinuousClock.now >= deadline { timedOut.set() }
                return timedOut.isSet || cancelled.isSet || shutdown?.isAborting == true
            },
            started: {
                started.set()
                metrics?.queuedRequests.decrement()
                metrics?.activeSequences.increment(by: sequences)
            },
            emit: { continuation.yield($0) },
            finish: { error in
                if started.isSet {
                    metrics?.activeSequences.decrement(by: sequences)
                } else {
                    metrics?.queuedRequests.decrement()
                }
                if let error {
                    continuation.finish(throwing: error)
                } else if timedOut.isSet {
                    continuation.finish(throwing: GenerationTimeout())
                } else {
                    continuation.finish()
                }
            }))
        return stream
    }

    /// Log-probabilities of each prompt token given the ones before it (for `echo`).
    public func promptLogprobs(_ tokens: [Int], top: Int) async throws -> [TokenLogprobs?] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [model] in continuation.resume(with: Result { try model.promptLogprobs(tokens, top: top) }) }
        }
    }
}

/// A generation stopped because its request ran past `request_timeout_seconds`.
public struct GenerationTimeout: Error, Sendable {}

/// Counts the requests a worker has taken on (running or waiting) against a capacity.
package final class AdmissionLine: Sendable {
    let capacity: Int?
    private let count = Mutex(0)

    package init(capacity: Int?) { self.capacity = capacity }

    package func enter() -> AdmissionTicket? {
        let admitted = count.withLock { count in
            if let capacity, count >= capacity { return false }
            count += 1
            return true
        }
        return admitted ? AdmissionTicket(line: self) : nil
    }

    func leave() { count.withLock { $0 -= 1 } }
    package var occupied: Int { count.withLock { $0 } }
}

/// One request's place in a worker's line; released when the request ends (or when the
/// ticket is dropped, whatever way the request ended).
public final class AdmissionTicket: Sendable {
    private let line: AdmissionLine
    private let released = Atomic<Bool>(false)

    init(line: AdmissionLine) { self.line = line }

    public func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { line.leave() }
    }

    deinit { release() }
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
