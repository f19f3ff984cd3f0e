import Foundation
import Synchronization

extension LanguageModel {
    /// Runs a completion job synchronously on the caller's thread, alone in a batch engine of
    /// its own, reporting through `emit`. `isCancelled` is polled before every step; when it
    /// turns true the job stops at once.
    public func complete(_ job: CompletionJob, isCancelled: () -> Bool = { false }, emit: (CompletionEvent) -> Void) throws {
        let engine = BatchEngine(
            model: model, tokenizer: tokenizer,
            options: BatchOptions(maxSequences: max(1, job.choices), prefillTokensPerStep: Self.prefillChunk, prefixCacheBytes: 0),
            pool: pool, precision: precision, kvCache: kvCacheType)
        var failure: (any Error)?
        try withoutActuallyEscaping(isCancelled) { isCancelled in
            try withoutActuallyEscaping(emit) { emit in
                try engine.admit(job, sink: GenerationSink(isCancelled: isCancelled, emit: emit, finish: { failure = $0 }))
                while !engine.isIdle { engine.step() }
            }
        }
        if let failure { throw failure }
    }

    /// Runs `job` in this model's shared batch (one scheduler thread per model runs every
    /// job) and streams its events. Ending the stream, or `isCancelled` turning true, stops the job before its
    /// next step and frees its cache.
    public func completions(
        _ job: CompletionJob, isCancelled: (@Sendable () -> Bool)? = nil
    ) -> AsyncThrowingStream<CompletionEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<CompletionEvent, any Error>.makeStream()
        let ended = OnceFlag()
        continuation.onTermination = { _ in ended.set() }
        submit(job, sink: SendableSink(
            isCancelled: { ended.isSet || isCancelled?() == true },
            emit: { continuation.yield($0) },
            finish: { error in
                if let error { continuation.finish(throwing: error) } else { continuation.finish() }
            }))
        return stream
    }
}

extension LanguageModel {
    /// Queues `job` for this model's shared batch; its events go to `sink` from the
    /// scheduler's thread.
    public func submit(_ job: CompletionJob, sink: SendableSink) {
        scheduler.submit(job, sink: sink)
    }
}

/// A flag set once, from any thread (a stream's end, a deadline, a shutdown).
package final class OnceFlag: Sendable {
    private let value = Atomic<Bool>(false)
    package init() {}
    package func set() { value.store(true, ordering: .releasing) }
    package var isSet: Bool { value.load(ordering: .acquiring) }
}
