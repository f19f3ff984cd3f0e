import Foundation
import Synchronization

/// Persistent threads that split each matrix product of a step between them. A dispatch per
/// product (`concurrentPerform`) costs tens of microseconds, more than a product of this model
/// size takes; here the caller bumps a counter that spinning workers see within nanoseconds, does
/// its own share, and spins until the others are done. Workers that have seen no work for a
/// while sleep on a condition, so an idle server uses no CPU.
///
/// One pool serves the whole process (``shared``): products of different models run one after
/// another rather than fighting over the same cores.
package final class WorkerPool: @unchecked Sendable {
    // @unchecked: `job` is written only by the caller holding `runLock`, before the releasing
    // increment of `generation` that workers acquire; it is cleared after all have finished.

    /// Threads taking part in each product, the caller included.
    package let count: Int
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let sleepers = NSCondition()
    private let runLock = NSLock()
    private var job: ((Int) -> Void)?

    /// Spins before a worker sleeps: long enough to cover the gap between two products of a
    /// step (and between two steps), short enough not to hold a core when idle.
    static let spinsBeforeSleeping = 200_000

    package init(threads: Int) {
        count = max(1, threads)
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

    /// Runs `body(worker)` for every worker index in `0..<count` at once and returns when all
    /// are done. The caller runs index 0.
    package func run(_ body: (Int) -> Void) {
        guard count > 1 else {
            body(0)
            return
        }
        runLock.lock()
        defer { runLock.unlock() }
        withoutActuallyEscaping(body) { body in
            job = body
            remaining.store(count - 1, ordering: .relaxed)
            sleepers.lock()
            generation.add(1, ordering: .releasing)
            sleepers.broadcast()
            sleepers.unlock()
            body(0)
            while remaining.load(ordering: .acquiring) > 0 {}
            job = nil
        }
    }

    private func work(_ index: Int) {
        // Generation 0 is the pool's state when the thread was made: a product started
        // before this thread first runs is still one it must take part in.
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins > Self.spinsBeforeSleeping {
                    sleepers.lock()
                    while generation.load(ordering: .acquiring) == seen { sleepers.wait() }
                    sleepers.unlock()
                    spins = 0
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            job?(index)
            remaining.subtract(1, ordering: .releasing)
        }
    }
}
