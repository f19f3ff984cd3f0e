/// `output (m, n) = input (m, k) · tileᵀ` for a tile of `n` weight rows dequantized row by row
/// into scratch, as prompt pieces multiply: dot products in registers, two weight rows by six
/// activation rows at a time.
///
/// This replaces one `sgemm` call per tile and piece. For a prompt piece of tens of rows,
/// OpenBLAS packed its operands again on every call (`sgemm_incopy`, `sgemm_oncopy`) and
/// cleared the output (`sgemm_beta`): perf of a 43-token prefill put 22% of the samples in
/// those three beside 51% in its kernel. Here the operands are read where they are.
///
/// Each output element is eight chains of fused multiply-adds over `k` in order (one per lane),
/// summed in a fixed order at the end, whatever `m` is and whichever rows run beside it: a
/// row's result is the same alone or among others.
package enum TileProduct {
    private typealias Lane = SIMD8<Float>

    /// Whether the kernel takes rows of `k` floats (whole lanes).
    package static func supports(columns k: Int) -> Bool { k > 0 && k % 8 == 0 }

    /// `output[r * ldc + j] = Σ input[r * k + i] · tile[j * k + i]` for `r < m`, `j < n`.
    package static func multiply(
        _ input: UnsafePointer<Float>, m: Int, tile: UnsafePointer<Float>, n: Int, k: Int,
        into output: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        // A programming error, not an input one: the one caller checks `supports` and takes
        // sgemm otherwise, so no model's shape reaches this.
        precondition(supports(columns: k))
        var r = 0
        while r < m {
            let left = m - r
            // Six rows at a time (twelve accumulators, two weight rows and one input in the
            // sixteen registers); a remainder of one or two after sixes goes as fours instead.
            let take = left >= 6 && !(left % 6 != 0 && left % 6 <= 2 && left >= 8) ? 6 : min(4, left)
            // Inputs past `m` read the last row again and are not stored; likewise weight rows.
            func x(_ i: Int) -> UnsafePointer<Float> { input + min(r + i, m - 1) * k }
            var j = 0
            while j < n {
                let w0 = tile + j * k, w1 = tile + min(j + 1, n - 1) * k
                let out = output + r * ldc + j, pair = min(2, n - j)
                if take > 4 {
                    six(w0, w1, x(0), x(1), x(2), x(3), x(4), x(5), k, out, ldc, take, pair)
                } else {
                    four(w0, w1, x(0), x(1), x(2), x(3), k, out, ldc, take, pair)
                }
                j += 2
            }
            r += take
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> Lane {
        UnsafeRawPointer(p).loadUnaligned(as: Lane.self)
    }

    /// The lanes' sum, in one fixed order.
    @inline(__always)
    private static func total(_ a: Lane) -> Float {
        let four = a.lowHalf + a.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    @inline(__always)
    private static func store(_ out: UnsafeMutablePointer<Float>, _ a: Lane, _ b: Lane, _ pair: Int) {
        out[0] = total(a)
        if pair > 1 { out[1] = total(b) }
    }

    private static func six(
        _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>,
        _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
        _ x3: UnsafePointer<Float>, _ x4: UnsafePointer<Float>, _ x5: UnsafePointer<Float>,
        _ k: Int, _ out: UnsafeMutablePointer<Float>, _ ldc: Int, _ count: Int, _ pair: Int
    ) {
        var a00 = Lane(), a01 = Lane(), a10 = Lane(), a11 = Lane(), a20 = Lane(), a21 = Lane()
        var a30 = Lane(), a31 = Lane(), a40 = Lane(), a41 = Lane(), a50 = Lane(), a51 = Lane()
        var i = 0
        while i < k {
            let b0 = load(w0 + i), b1 = load(w1 + i)
            var x = load(x0 + i)
            a00.addProduct(x, b0); a01.addProduct(x, b1)
            x = load(x1 + i)
            a10.addProduct(x, b0); a11.addProduct(x, b1)
            x = load(x2 + i)
            a20.addProduct(x, b0); a21.addProduct(x, b1)
            x = load(x3 + i)
            a30.addProduct(x, b0); a31.addProduct(x, b1)
            x = load(x4 + i)
            a40.addProduct(x, b0); a41.addProduct(x, b1)
            x = load(x5 + i)
            a50.addProduct(x, b0); a51.addProduct(x, b1)
            i += 8
        }
        store(out, a00, a01, pair)
        if count > 1 { store(out + ldc, a10, a11, pair) }
        if count > 2 { store(out + 2 * ldc, a20, a21, pair) }
        if count > 3 { store(out + 3 * ldc, a30, a31, pair) }
        if count > 4 { store(out + 4 * ldc, a40, a41, pair) }
        if count > 5 { store(out + 5 * ldc, a50, a51, pair) }
    }

    /// `six` for four rows, the same chains per row: remainders take it rather than `six` on
    /// repeated rows (a separate body, since the accumulators must be registers, not an array).
    private static func four(
        _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>,
        _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>, _ x3: UnsafePointer<Float>,
        _ k: Int, _ out: UnsafeMutablePointer<Float>, _ ldc: Int, _ count: Int, _ pair: Int
    ) {
        var a00 = Lane(), a01 = Lane(), a10 = Lane(), a11 = Lane()
        var a20 = Lane(), a21 = Lane(), a30 = Lane(), a31 = Lane()
        var i = 0
        while i < k {
            let b0 = load(w0 + i), b1 = load(w1 + i)
            var x = load(x0 + i)
            a00.addProduct(x, b0); a01.addProduct(x, b1)
            x = load(x1 + i)
            a10.addProduct(x, b0); a11.addProduct(x, b1)
            x = load(x2 + i)
            a20.addProduct(x, b0); a21.addProduct(x, b1)
            x = load(x3 + i)
            a30.addProduct(x, b0); a31.addProduct(x, b1)
            i += 8
        }
        store(out, a00, a01, pair)
        if count > 1 { store(out + ldc, a10, a11, pair) }
        if count > 2 { store(out + 2 * ldc, a20, a21, pair) }
        if count > 3 { store(out + 3 * ldc, a30, a31, pair) }
    }
}
