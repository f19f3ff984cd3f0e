import COpenBLAS

/// The project's one door to OpenBLAS: every matrix-shaped product goes through here.
package enum BLAS {
    /// `c (m, n) = a (m, k) · bᵀ` where `b` is `(n, k)`, all row-major.
    ///
    /// This is the shape of a linear layer applied to several rows of activations at once:
    /// weights are stored `(out, in)`, as GGUF and safetensors store them.
    package static func matmulTransposed(
        _ a: UnsafeBufferPointer<Float>,
        _ b: UnsafeBufferPointer<Float>,
        into c: UnsafeMutableBufferPointer<Float>,
        m: Int, n: Int, k: Int,
        accumulate: Bool = false
    ) {
        guard m > 0, n > 0, k > 0,
            a.count >= m * k, b.count >= n * k, c.count >= m * n,
            let pa = a.baseAddress, let pb = b.baseAddress, let pc = c.baseAddress
        else { return }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans,
            Int32(m), Int32(n), Int32(k),
            1, pa, Int32(k), pb, Int32(k),
            accumulate ? 1 : 0, pc, Int32(n)
        )
    }

    /// `c (m, n) = alpha · a (m, k) · bᵀ` (`b` is `(n, k)`) with explicit leading dimensions, for
    /// writing a tile of output columns into a wider matrix (`ldc` > `n`).
    package static func gemmTransposedB(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1
    ) {
        gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, transposeB: true, alpha: alpha)
    }

    /// `c (m, n) = alpha · a (m, k) · b`, with `b` given as `(k, n)`, or as `(n, k)` when
    /// `transposeB`.
    package static func gemm(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
        transposeB: Bool = false, alpha: Float = 1
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            0, c, Int32(ldc)
        )
    }

    /// `y (n) = w (n, k) · x (k)`, row-major `w`.
    package static func matvec(
        _ w: UnsafeBufferPointer<Float>,
        _ x: UnsafeBufferPointer<Float>,
        into y: UnsafeMutableBufferPointer<Float>,
        n: Int, k: Int
    ) {
        guard n > 0, k > 0, w.count >= n * k, x.count >= k, y.count >= n,
            let pw = w.baseAddress, let px = x.baseAddress, let py = y.baseAddress
        else { return }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, pw, Int32(k), px, 1, 0, py, 1)
    }

    /// OpenBLAS's own worker threads. Set explicitly so they do not fight the runtime's workers.
    package static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
