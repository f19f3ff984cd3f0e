import Foundation
import Synchronization

/// Where a scheduled job's events go, from the scheduler's thread. `finish` is called exactly
/// once, after the last event: with `nil` when the job completed or was cancelled.
public struct SendableSink: Sendable {
    /// Polled before every step: `true` stops the job and frees its sequences.
    public var isCancelled: @Sendable () -> Bool
    /// The job joined the running batch (it waited until then).
    public var started: @Sendable () -> Void
    /// Receives each event of the job, in order, on the model's thread.
    public var emit: @Sendable (CompletionEvent) -> Void
    /// Called once when the job ends: `nil`, or the error that ended it.
    public var finish: @Sendable ((any Error)?) -> Void

    /// Creates a `SendableSink` from its fields.
    public init(
        isCancelled: @escaping @Sendable () -> Bool, started: @escaping @Sendable () -> Void = {},
        emit: @escaping @Sendable (CompletionEvent) -> Void, finish: @escaping @Sendable ((any Error)?) -> Void
    ) {
        self.isCancelled = isCancelled
        self.started = started
        self.emit = emit
        self.finish = finish
    }
}

/// One model's scheduler loop, on a thread of its own (started by the first job): jobs come
/// in through a queue, join the ``BatchEngine`` when there is room, and every step runs all
/// running sequences together. The shape of llama.cpp's `server-queue`: one loop owns every
/// sequence and all mutable inference state, callers only enqueue and read their stream.
package final class BatchScheduler: Sendable {
    private struct Waiting {
        var job: CompletionJob
        var sink: SendableSink
    }

    private struct Shared {
        var waiting: [Waiting] = []
        var started = false
        var stopping = false
    }

    // @unchecked box: the engine is touched only by the scheduler thread.
    private final class EngineBox: @unchecked Sendable {
        let engine: BatchEngine
        init(_ engine: BatchEngine) { self.engine = engine }
    }

    private let box: EngineBox
    private let shared = Mutex(Shared())
    private let wakeUp = NSCondition()
    private let waitingCount = Atomic<Int>(0)
    private let runningCount = Atomic<Int>(0)
    private let peakCount = Atomic<Int>(0)
    package let name: String

    package init(engine: BatchEngine, name: String) {
        box = EngineBox(engine)
        self.name = name
    }

    /// Jobs waiting for room in the batch.
    package var waitingJobs: Int { waitingCount.load(ordering: .relaxed) }
    /// Sequences in the batch now.
    package var runningSequences: Int { runningCount.load(ordering: .relaxed) }
    /// The most sequences one step has run since the scheduler started (what tests check:
    /// a reader of a stream may see the batch only after it shrank).
    package var peakRunningSequences: Int { peakCount.load(ordering: .relaxed) }

    package func submit(_ job: CompletionJob, sink: SendableSink) {
        let start = shared.withLock { shared -> Bool in
            shared.waiting.append(Waiting(job: job, sink: sink))
            defer { shared.started = true }
            return !shared.started && !shared.stopping
        }
        waitingCount.add(1, ordering: .relaxed)
        if start {
            let thread = Thread { [self] in self.loop() }
            thread.name = "cyxwiz-batch-\(name)"
            thread.stackSize = 4 << 20
            thread.start()
        }
        wakeUp.lock()
        wakeUp.signal()
        wakeUp.unlock()
    }

    /// Ends the loop: running and waiting jobs end as cancelled.
    package func stop() {
        shared.withLock { $0.stopping = true }
        wakeUp.lock()
        wakeUp.signal()
        wakeUp.unlock()
    }

    private func loop() {
        let engine = box.engine
        while true {
            // Take what fits, drop what was cancelled while waiting; sleep when there is nothing.
            var admitted: [Waiting] = []
            var dropped: [Waiting] = []
            var stopping = false
            wakeUp.lock()
            while true {
                let idle = shared.withLock { shared -> Bool in
                    stopping = shared.stopping
                    var kept: [Waiting] = []
                    for waiting in shared.waiting {
                        if stopping || waiting.sink.isCancelled() {
                            dropped.append(waiting)
                        } else if kept.isEmpty, engine.canAdmit(waiting.job, besides: admitted.map(\.job)) {
                            admitted.append(waiting)
                        } else {
                            kept.append(waiting)
                        }
                    }
                    shared.waiting = kept
                    return kept.isEmpty && admitted.isEmpty && dropped.isEmpty
                }
                if !idle || stopping || !engine.isIdle { break }
                wakeUp.wait()
            }
            wakeUp.unlock()
            waitingCount.subtract(admitted.count + dropped.count, ordering: .relaxed)
            for waiting in dropped { waiting.sink.finish(nil) }
            if stopping {
                engine.cancelAll()
                runningCount.store(0, ordering: .relaxed)
                return
            }
            for waiting in admitted {
                let sink = waiting.sink
                do {
                    try engine.admit(waiting.job, sink: GenerationSink(isCancelled: sink.isCancelled, emit: sink.emit, finish: sink.finish))
                    sink.started()
                } catch {
                    sink.finish(error)
                }
            }
            let stepped = engine.load
            engine.step()
            if stepped > peakCount.load(ordering: .relaxed) { peakCount.store(stepped, ordering: .relaxed) }
            runningCount.store(engine.load, ordering: .relaxed)
        }
    }
}
