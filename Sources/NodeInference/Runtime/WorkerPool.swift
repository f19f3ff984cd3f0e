import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Persistent threads that share each matrix product of a step. A dispatch per product
/// (`concurrentPerform`) costs tens of microseconds, more than a product of this model size
/// takes; here the caller opens a gate that spinning workers see within nanoseconds, and every
/// participant claims chunks of the work from a shared counter until none is left. Claiming
/// rather than fixed shares matters on a busy machine: a worker the kernel has descheduled
/// (an HTTP thread needed the core) costs the product at most the chunk it holds, and a worker
/// that arrives after the caller has claimed everything does not take part at all, so the
/// caller never waits for a thread that was not running. Workers that have seen no work for a
/// while sleep on a condition, so an idle server uses no CPU.
///
/// One pool serves the whole process (``shared``): products of different models run one after
/// another rather than fighting over the same cores.
package final class WorkerPool: @unchecked Sendable {
    // @unchecked: `job` and `chunkCount` are written only by the caller holding `runLock`,
    // before the releasing store that opens the gate; a worker reads them only after entering
    // through the gate (an acquiring exchange), and the caller clears `job` only after every
    // worker that entered has finished.

    /// Threads taking part in each product, the caller included.
    package let count: Int
    /// `(run << 16) | closed | entered`: the current run, whether workers may still join it,
    /// and how many did.
    private let gate = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let nextChunk = Atomic<Int>(0)
    private let sleepers = NSCondition()
    private let runLock = NSLock()
    private var job: ((Int, Int) -> Void)?
    private var chunkCount = 0
    private var run = 0

    private static let closed = 1 << 15
    private static let enteredMask = (1 << 15) - 1

    /// Spins before a worker sleeps: long enough to cover the gap between two products of a
    /// step (and between two steps), short enough not to hold a core when idle.
    static let spinsBeforeSleeping = 200_000

    /// Pure spins before a waiting thread starts offering its core with `sched_yield` on each
    /// further spin. On a machine with as many busy threads as cores (HTTP threads, a client
    /// on the same host), a waiter that only spins holds the very core the thread it waits
    /// for was descheduled from; perf showed a fifth of an 8-stream server's time in the
    /// caller's wait. A yield with nothing else runnable returns after one system call, so a
    /// quiet machine loses that much latency at most.
    static let spinsBeforeYielding = 2_000

    @inline(__always)
    private static func yieldCore() {
        #if canImport(Glibc)
        sched_yield()
        #endif
    }

    package init(threads: Int) {
        count = max(1, min(threads, Self.enteredMask))
        // The pool splits products over its own threads, each calling sgemm on its share;
        // OpenBLAS's threads would fight them (an embedding-only process spent a third of its
        // time in their sched_yield spinning).
        BLAS.threadCount = 1
        for index in 1..<count {
            let thread = Thread { [self] in self.work(index) }
            thread.name = "cyxwiz-worker-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// The process-wide pool, sized by ``configure(threads:)`` or to every core.
    package static var shared: WorkerPool {
        sharedPool.withLock { pool in
            if let pool { return pool }
            let made = WorkerPool(threads: ProcessInfo.processInfo.activeProcessorCount)
            pool = made
            return made
        }
    }

    private static let sharedPool = Mutex<WorkerPool?>(nil)

    /// The shared pool, or a private one when `threads` differs from its size.
    package static func pool(threads: Int?) -> WorkerPool {
        let shared = WorkerPool.shared
        guard let threads, max(1, threads) != shared.count else { return shared }
        return WorkerPool(threads: threads)
    }

    /// Sets the shared pool's thread count (config `[runtime] threads`) for models loaded
    /// from now on. A previous pool is left running: models loaded earlier still use it.
    package static func configure(threads: Int) {
        sharedPool.withLock { pool in
            if let pool, pool.count == max(1, threads) { return }
            pool = WorkerPool(threads: threads)
        }
    }

    /// Runs `body(chunk, worker)` once for every chunk in `0..<chunks`, spread over the
    /// pool's threads, and returns when all are done. `worker` (0 for the caller) identifies
    /// the thread, for per-thread scratch; which thread runs which chunk varies from call to
    /// call, so a chunk's result must not depend on it.
    package func run(chunks: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
        guard count > 1, chunks > 1 else {
            for chunk in 0..<chunks { body(chunk, 0) }
            return
        }
        runLock.lock()
        defer { runLock.unlock() }
        withoutActuallyEscaping(body) { body in
            job = body
            chunkCount = chunks
            nextChunk.store(0, ordering: .relaxed)
            finished.store(0, ordering: .relaxed)
            run += 1
            gate.store(run << 16, ordering: .releasing)
            sleepers.lock()
            sleepers.broadcast()
            sleepers.unlock()
            drain(worker: 0)
            // Close the gate: a worker that has not entered yet stays out.
            var state = gate.load(ordering: .relaxed)
            while true {
                let (exchanged, original) = gate.compareExchange(
                    expected: state, desired: state | Self.closed, ordering: .acquiringAndReleasing)
                if exchanged { break }
                state = original
            }
            let entered = state & Self.enteredMask
            var spins = 0
            while finished.load(ordering: .acquiring) < entered {
                spins += 1
                if spins > Self.spinsBeforeYielding { Self.yieldCore() }
            }
            job = nil
        }
    }

    private func drain(worker: Int) {
        guard let job else { return }
        while true {
            let chunk = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
            guard chunk < chunkCount else { return }
            job(chunk, worker)
        }
    }

    private func work(_ index: Int) {
        var seenRun = 0
        while true {
            var spins = 0
            var state = gate.load(ordering: .acquiring)
            while state >> 16 == seenRun {
                spins += 1
                if spins > Self.spinsBeforeYielding {
                    // A yield counts as a hundred spins: an idle worker sleeps after about
                    // 2,000 yields (a few milliseconds), not 200,000 system calls.
                    Self.yieldCore()
                    spins += 99
                }
                if spins > Self.spinsBeforeSleeping {
                    sleepers.lock()
                    while gate.load(ordering: .acquiring) >> 16 == seenRun { sleepers.wait() }
                    sleepers.unlock()
                    spins = 0
                }
                state = gate.load(ordering: .acquiring)
            }
            seenRun = state >> 16
            while state >> 16 == seenRun, state & Self.closed == 0 {
                let (exchanged, original) = gate.compareExchange(expected: state, desired: state + 1, ordering: .acquiringAndReleasing)
                if exchanged {
                    drain(worker: index)
                    finished.add(1, ordering: .releasing)
                    break
                }
                state = original
            }
        }
    }
}
