import Foundation
import NodeInference
import Synchronization
import Testing

@Suite("Worker pool")
struct WorkerPoolTests {
    /// Every chunk runs exactly once, also on a pool used the instant it is made (before its
    /// threads have started) and from several callers at once.
    @Test func everyChunkRunsExactlyOnce() async {
        let pool = WorkerPool(threads: 3)
        await withTaskGroup(of: Bool.self) { group in
            for caller in 0..<3 {
                group.addTask {
                    var ok = true
                    for run in 0..<300 {
                        let chunks = (run * 7 + caller) % 50
                        let counts = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: max(1, chunks))
                        for i in 0..<chunks { (counts + i).initialize(to: Atomic(0)) }
                        pool.run(chunks: chunks) { chunk, worker in
                            precondition(worker >= 0 && worker < 3)
                            counts[chunk].add(1, ordering: .relaxed)
                        }
                        for i in 0..<chunks where counts[i].load(ordering: .relaxed) != 1 { ok = false }
                        counts.deallocate()
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
