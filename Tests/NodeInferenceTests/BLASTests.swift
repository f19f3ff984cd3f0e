import NodeInference
import Testing


@Suite("OpenBLAS bindings")
struct BLASTests {
    /// A deterministic pseudo-random matrix, so a failure reproduces.
    func matrix(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 64, 33), (64, 576, 192)])
    func matmulTransposedMatchesNaive(_ m: Int, _ n: Int, _ k: Int) {
        let a = matrix(m * k, seed: 1), b = matrix(n * k, seed: 2)
        var c = [Float](repeating: .nan, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in BLAS.matmulTransposed(pa, pb, into: pc, m: m, n: n, k: k) }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var expected: Double = 0
                for p in 0..<k { expected += Double(a[i * k + p]) * Double(b[j * k + p]) }
                #expect(abs(Double(c[i * n + j]) - expected) <= 1e-4 * Double(k), "c[\(i),\(j)]")
            }
        }
    }

    @Test func matvecMatchesNaive() {
        let n = 96, k = 130
        let w = matrix(n * k, seed: 3), x = matrix(k, seed: 4)
        var y = [Float](repeating: .nan, count: n)
        w.withUnsafeBufferPointer { pw in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in BLAS.matvec(pw, px, into: py, n: n, k: k) }
            }
        }
        for row in 0..<n {
            var expected: Double = 0
            for p in 0..<k { expected += Double(w[row * k + p]) * Double(x[p]) }
            #expect(abs(Double(y[row]) - expected) <= 1e-3)
        }
    }

    @Test func undersizedBuffersAreRefusedNotRead() {
        let a = [Float](repeating: 1, count: 4)
        var c = [Float](repeating: 7, count: 4)
        a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                BLAS.matmulTransposed(pa, pa, into: pc, m: 2, n: 2, k: 4)  // needs 8 elements per input
            }
        }
        #expect(c == [7, 7, 7, 7])
    }
}
