import Foundation

/// Small vector kernels of the forward pass, over raw pointers (no allocation).
package enum Kernels {
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            accumulator.addProduct(x, y)
            i += 8
        }
        var sum = accumulator.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// One attention head of one query row: `out = softmax(scale · q·kₚ) · vₚ` over `positions`
    /// cached keys and values (`stride` floats apart). `scores` holds `positions` floats.
    ///
    /// Four keys are scored at a time and the weighted values are summed in registers, 16
    /// columns at a time over two independent chains: the one-position-at-a-time form waited on
    /// each multiply-add's latency. The result depends only on this row's query and cache, never
    /// on the other rows of a batch. `dimension` is a multiple of 8.
    package static func attentionHead(
        query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, stride: Int,
        positions: Int, dimension: Int, scale: Float, scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        attentionHead(query, UnsafeRawPointer(keys), UnsafeRawPointer(values), half: false, stride, positions, dimension, scale, scores, out)
    }

    /// Eight cached floats from element `element` of `base`: floats, or halves (``Half``)
    /// where `half` (a constant where this is inlined).
    @inline(__always)
    static func cached(_ base: UnsafeRawPointer, _ element: Int, half: Bool) -> SIMD8<Float> {
        half ? Half.load(base, byteOffset: 2 &* element) : base.loadUnaligned(fromByteOffset: 4 &* element, as: SIMD8<Float>.self)
    }

    /// ``attentionHead`` over keys and values stored as floats or, with `half`, as halves.
    @inline(__always)
    static func attentionHead(
        _ query: UnsafePointer<Float>, _ keys: UnsafeRawPointer, _ values: UnsafeRawPointer, half: Bool, _ stride: Int,
        _ positions: Int, _ dimension: Int, _ scale: Float, _ scores: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>
    ) {
        var p = 0
        while p + 4 <= positions {
            let k = p * stride
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var c = 0
            while c < dimension {
                let q = UnsafeRawPointer(query + c).loadUnaligned(as: SIMD8<Float>.self)
                a0.addProduct(q, cached(keys, k + c, half: half))
                a1.addProduct(q, cached(keys, k + stride + c, half: half))
                a2.addProduct(q, cached(keys, k + 2 * stride + c, half: half))
                a3.addProduct(q, cached(keys, k + 3 * stride + c, half: half))
                c += 8
            }
            let four = treeSums(a0, a1, a2, a3) * scale
            for i in 0..<4 { scores[p + i] = four[i] }
            p += 4
        }
        while p < positions {
            var accumulator = SIMD8<Float>()
            var c = 0
            while c < dimension {
                accumulator.addProduct(UnsafeRawPointer(query + c).loadUnaligned(as: SIMD8<Float>.self), cached(keys, p * stride + c, half: half))
                c += 8
            }
            scores[p] = QuantizedProduct.treeSum(accumulator) * scale
            p += 1
        }
        softmax(scores, count: positions)
        var c = 0
        while c < dimension {
            // Two chains (even and odd positions) for each of two 8-column halves.
            var e0 = SIMD8<Float>(), e1 = SIMD8<Float>(), o0 = SIMD8<Float>(), o1 = SIMD8<Float>()
            let wide = c + 16 <= dimension
            var p = 0
            while p + 2 <= positions {
                let even = SIMD8<Float>(repeating: scores[p]), odd = SIMD8<Float>(repeating: scores[p + 1])
                let row = c + p * stride
                e0.addProduct(even, cached(values, row, half: half))
                o0.addProduct(odd, cached(values, row + stride, half: half))
                if wide {
                    e1.addProduct(even, cached(values, row + 8, half: half))
                    o1.addProduct(odd, cached(values, row + stride + 8, half: half))
                }
                p += 2
            }
            if p < positions {
                let last = SIMD8<Float>(repeating: scores[p]), row = c + p * stride
                e0.addProduct(last, cached(values, row, half: half))
                if wide { e1.addProduct(last, cached(values, row + 8, half: half)) }
            }
            UnsafeMutableRawPointer(out + c).storeBytes(of: e0 + o0, as: SIMD8<Float>.self)
            if wide { UnsafeMutableRawPointer(out + c + 8).storeBytes(of: e1 + o1, as: SIMD8<Float>.self) }
            c += wide ? 16 : 8
        }
    }

    /// Each vector's lanes summed as ``QuantizedProduct/treeSum(_:)`` sums them (`vhaddps` in
    /// AVX2 builds): a score is the same bits whichever kernel and neighbours computed it.
    @inline(__always)
    static func treeSums(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> SIMD4<Float> {
        #if CYXWIZ_AVX2
        QuantizedProduct.treeSums(a, b, c, d)
        #else
        SIMD4(QuantizedProduct.treeSum(a), QuantizedProduct.treeSum(b), QuantizedProduct.treeSum(c), QuantizedProduct.treeSum(d))
        #endif
    }

    /// ``attentionHead`` for the `heads` query heads that share one key and value head
    /// (grouped-query attention), reading each cached key and value once for up to three
    /// heads instead of once per head: decoding eight sequences read ~70 MB of cache per step
    /// with SmolLM2 at 190 positions, three times over. Each head's result is the same bits as
    /// ``attentionHead`` gives it alone: its scores and weighted sums are the same chains in
    /// the same order (a score is one multiply-add chain over the columns, then a tree sum; a
    /// column block's values sum even and odd positions in two chains). Queries and outputs
    /// are `heads` rows of `dimension` floats; `scores` holds `heads × positions` floats.
    package static func attentionGroup(
        queries: UnsafePointer<Float>, heads: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, stride: Int,
        positions: Int, dimension: Int, scale: Float, scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        attentionGroup(
            queries: queries, heads: heads, keys: UnsafeRawPointer(keys), values: UnsafeRawPointer(values), half: false, stride: stride,
            positions: positions, dimension: dimension, scale: scale, scores: scores, into: out)
    }

    /// ``attentionGroup`` over keys and values stored as halves (``Half``, a KV cache of type
    /// f16): each head's result is the same bits as over floats holding the same values.
    package static func attentionGroup(
        queries: UnsafePointer<Float>, heads: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, stride: Int,
        positions: Int, dimension: Int, scale: Float, scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        attentionGroup(
            queries: queries, heads: heads, keys: UnsafeRawPointer(keys), values: UnsafeRawPointer(values), half: true, stride: stride,
            positions: positions, dimension: dimension, scale: scale, scores: scores, into: out)
    }

    private static func attentionGroup(
        queries: UnsafePointer<Float>, heads: Int, keys: UnsafeRawPointer, values: UnsafeRawPointer, half: Bool, stride: Int,
        positions: Int, dimension: Int, scale: Float, scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        var first = 0
        while first < heads {
            let count = min(3, heads - first)
            let q = queries + first * dimension, o = out + first * dimension, s = scores + first * positions
            // Each case an instance with its constants, so the loads hold no branch.
            switch (count, half) {
            case (3, false): attentionHeads(3, q, keys, values, half: false, stride, positions, dimension, scale, s, o)
            case (3, true): attentionHeads(3, q, keys, values, half: true, stride, positions, dimension, scale, s, o)
            case (2, false): attentionHeads(2, q, keys, values, half: false, stride, positions, dimension, scale, s, o)
            case (2, true): attentionHeads(2, q, keys, values, half: true, stride, positions, dimension, scale, s, o)
            case (_, false): attentionHead(q, keys, values, half: false, stride, positions, dimension, scale, s, o)
            case (_, true): attentionHead(q, keys, values, half: true, stride, positions, dimension, scale, s, o)
            }
            first += count
        }
    }

    /// Two or three heads of ``attentionGroup`` (`count` and `half` are constants where it is
    /// inlined).
    @inline(__always)
    static func attentionHeads(
        _ count: Int, _ queries: UnsafePointer<Float>, _ keys: UnsafeRawPointer, _ values: UnsafeRawPointer, half: Bool, _ stride: Int,
        _ positions: Int, _ dimension: Int, _ scale: Float, _ scores: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>
    ) {
        let q0 = UnsafeRawPointer(queries), q1 = q0 + 4 * dimension, q2 = q1 + 4 * dimension
        let s0 = scores, s1 = scores + positions, s2 = scores + 2 * positions
        var p = 0
        while p < positions {
            // Two positions at a time (one at the end): each key row loaded once for every head.
            let pair = p + 1 < positions
            // Element indices in wrapping arithmetic: bounded by the cache's size, and checked
            // overflow would be two more branches per load in the loop.
            let k0 = p &* stride, k1 = (pair ? p &+ 1 : p) &* stride
            var a0 = SIMD8<Float>(), b0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b1 = SIMD8<Float>()
            var a2 = SIMD8<Float>(), b2 = SIMD8<Float>()
            var c = 0
            while c < 4 * dimension {
                let x = cached(keys, k0 &+ c &>> 2, half: half), y = cached(keys, k1 &+ c &>> 2, half: half)
                let h0 = q0.loadUnaligned(fromByteOffset: c, as: SIMD8<Float>.self)
                a0.addProduct(h0, x)
                b0.addProduct(h0, y)
                let h1 = q1.loadUnaligned(fromByteOffset: c, as: SIMD8<Float>.self)
                a1.addProduct(h1, x)
                b1.addProduct(h1, y)
                if count > 2 {
                    let h2 = q2.loadUnaligned(fromByteOffset: c, as: SIMD8<Float>.self)
                    a2.addProduct(h2, x)
                    b2.addProduct(h2, y)
                }
                c &+= 32
            }
            let first = treeSums(a0, b0, a1, b1) * scale
            s0[p] = first[0]
            s1[p] = first[2]
            if pair {
                s0[p + 1] = first[1]
                s1[p + 1] = first[3]
            }
            if count > 2 {
                let third = treeSums(a2, b2, a2, b2) * scale
                s2[p] = third[0]
                if pair { s2[p + 1] = third[1] }
            }
            p += pair ? 2 : 1
        }
        softmax(s0, count: positions)
        softmax(s1, count: positions)
        if count > 2 { softmax(s2, count: positions) }
        let o0 = UnsafeMutableRawPointer(out), o1 = o0 + 4 * dimension, o2 = o1 + 4 * dimension
        var c = 0
        while c < 4 * dimension {
            // One 8-column block: even and odd positions in two chains per head, as alone.
            let column = c &>> 2
            var e0 = SIMD8<Float>(), d0 = SIMD8<Float>(), e1 = SIMD8<Float>(), d1 = SIMD8<Float>()
            var e2 = SIMD8<Float>(), d2 = SIMD8<Float>()
            var p = 0
            while p + 2 <= positions {
                let even = cached(values, column &+ p &* stride, half: half)
                let odd = cached(values, column &+ (p &+ 1) &* stride, half: half)
                e0.addProduct(SIMD8(repeating: s0[p]), even)
                d0.addProduct(SIMD8(repeating: s0[p + 1]), odd)
                e1.addProduct(SIMD8(repeating: s1[p]), even)
                d1.addProduct(SIMD8(repeating: s1[p + 1]), odd)
                if count > 2 {
                    e2.addProduct(SIMD8(repeating: s2[p]), even)
                    d2.addProduct(SIMD8(repeating: s2[p + 1]), odd)
                }
                p += 2
            }
            if p < positions {
                let last = cached(values, column &+ p &* stride, half: half)
                e0.addProduct(SIMD8(repeating: s0[p]), last)
                e1.addProduct(SIMD8(repeating: s1[p]), last)
                if count > 2 { e2.addProduct(SIMD8(repeating: s2[p]), last) }
            }
            o0.storeBytes(of: e0 + d0, toByteOffset: c, as: SIMD8<Float>.self)
            o1.storeBytes(of: e1 + d1, toByteOffset: c, as: SIMD8<Float>.self)
            if count > 2 { o2.storeBytes(of: e2 + d2, toByteOffset: c, as: SIMD8<Float>.self) }
            c += 32
        }
    }

    /// Attention of `rows` query rows of one head at once, as two sgemm calls: the scores
    /// `scale · Q·Kᵀ` of every row against `positions` cached keys, a softmax per row, then
    /// their weighted sum of the values. With `causal`, the rows are the last `rows` positions
    /// and each sees only up to its own: row `r` attends `positions - rows + 1 + r` positions.
    ///
    /// For a prompt chunk this is the form with the fewest loads per multiply-add (the per-row
    /// kernel reads every key and value once per row). sgemm rounds by its shape, so a row's
    /// result depends on the block it is computed in: callers use fixed blocks (prompt chunks,
    /// whole sequences). Queries, keys, values and the output are rows `*Stride` floats apart;
    /// `scores` holds `rows × positions` floats.
    package static func attentionRows(
        queries: UnsafePointer<Float>, queryStride: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, stride: Int,
        rows: Int, positions: Int, causal: Bool, dimension: Int, scale: Float,
        scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        guard rows > 0, positions > 0 else { return }
        BLAS.gemmTransposedB(
            m: rows, n: positions, k: dimension, a: queries, lda: queryStride, b: keys, ldb: stride, c: scores, ldc: positions,
            alpha: scale)
        for r in 0..<rows {
            let row = scores + r * positions
            let visible = causal ? max(1, positions - rows + 1 + r) : positions
            softmax(row, count: visible)
            (row + visible).update(repeating: 0, count: positions - visible)
        }
        BLAS.gemm(m: rows, n: dimension, k: positions, a: scores, lda: positions, b: values, ldb: stride, c: out, ldc: outStride)
    }

    /// `y = x / rms(x) * weight`, over `count` elements.
    package static func rmsNorm(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        count: Int, epsilon: Float
    ) {
        let meanSquare = dot(x, x, count: count) / Float(count)
        let scale = 1 / (meanSquare + epsilon).squareRoot()
        for i in 0..<count { y[i] = x[i] * scale * weight[i] }
    }

    /// In-place softmax over `count` elements, eight at a time with ``exp(_:)``.
    package static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var maximum = x[0]
        for i in 1..<count where x[i] > maximum { maximum = x[i] }
        let top = SIMD8<Float>(repeating: maximum)
        var sums = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let e = exp(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - top)
            UnsafeMutableRawPointer(x + i).storeBytes(of: e, as: SIMD8<Float>.self)
            sums += e
            i += 8
        }
        var sum = sums.sum()
        while i < count {
            let e = exp(SIMD8<Float>(repeating: x[i] - maximum))[0]
            x[i] = e
            sum += e
            i += 1
        }
        let inverse = 1 / sum
        for i in 0..<count { x[i] *= inverse }
    }

    /// `y += a * x`.
    @inline(__always)
    package static func addScaled(_ x: UnsafePointer<Float>, _ a: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        let scale = SIMD8<Float>(repeating: a)
        var i = 0
        while i + 8 <= count {
            var accumulator = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            accumulator.addProduct(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self), scale)
            UnsafeMutableRawPointer(y + i).storeBytes(of: accumulator, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// SwiGLU: `gate = silu(gate) * up`, eight at a time with ``exp(_:)``.
    package static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let g = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD8<Float>.self)
            let u = UnsafeRawPointer(up + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(gate + i).storeBytes(of: g / (1 + exp(-g)) * u, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let g = gate[i]
            gate[i] = g / (1 + exp(SIMD8<Float>(repeating: -g))[0]) * up[i]
            i += 1
        }
    }

    /// `y = (x - mean) / sqrt(variance + epsilon) * weight + bias`, in place.
    package static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, count: Int, epsilon: Float
    ) {
        var sum: Float = 0
        for i in 0..<count { sum += x[i] }
        let mean = sum / Float(count)
        var squares: Float = 0
        for i in 0..<count {
            let d = x[i] - mean
            squares += d * d
        }
        let scale = 1 / (squares / Float(count) + epsilon).squareRoot()
        for i in 0..<count { x[i] = (x[i] - mean) * scale * weight[i] + bias[i] }
    }

    /// GELU with the error function (BERT's exact `gelu`, not the tanh form), in place, eight
    /// at a time. libm's scalar `erff` took 13% of an embedding batch; `erf(_:)` below
    /// is within 4e-7 of erf (`KernelsTests`).
    package static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: 0.5 * v * (1 + erf(v * 0.70710678118654752)), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let v = erf(SIMD8<Float>(repeating: x[i] * 0.70710678118654752))
            x[i] = 0.5 * x[i] * (1 + v[0])
            i += 1
        }
    }

    /// `v` limited to `low...high` lane by lane (compares and blends, no library call); NaN
    /// lanes stay NaN.
    @inline(__always)
    static func clamped(_ v: SIMD8<Float>, _ low: Float, _ high: Float) -> SIMD8<Float> {
        var x = v
        let high = SIMD8<Float>(repeating: high), low = SIMD8<Float>(repeating: low)
        x.replace(with: high, where: x .> high)
        x.replace(with: low, where: x .< low)
        return x
    }

    /// `eˣ`, eight at a time: `x = n·ln 2 + r` with `n` rounded to the nearest integer, a
    /// degree-5 polynomial for `eʳ` on |r| ≤ ln 2 / 2 (Cephes' `expf`), times `2ⁿ` built in the
    /// exponent bits. Within 2.5e-7 (relative) of exp (`KernelsTests`); arguments are clamped to
    /// [-87.3, 88.3], so it never overflows to infinity and goes no lower than ~1e-38 (a
    /// softmax weight of 0 for practical purposes). NaN stays NaN; nothing converts to an
    /// integer type, so no argument can trap.
    @inline(__always)
    package static func exp(_ a: SIMD8<Float>) -> SIMD8<Float> {
        let x = clamped(a, -87.3365447504019, 88.3762626647949)
        // Rounded to nearest by adding and taking back 1.5·2²³; the sum's low bits are `n`.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * 1.44269504088896341 + magic
        let n = shifted - magic
        let r = x - n * 0.693359375 + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return y * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// The error function, eight at a time: an odd rational function of degree 13/8 on
    /// [-4, 4] (the one Eigen and XLA use for floats), ±1 beyond, where erf is 1 to float
    /// precision. NaN stays NaN.
    @inline(__always)
    package static func erf(_ a: SIMD8<Float>) -> SIMD8<Float> {
        let x = clamped(a, -4, 4)
        let x2 = x * x
        var p = SIMD8<Float>(repeating: -2.72614225801306e-10)
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        var q = SIMD8<Float>(repeating: -1.45660718464996e-05)
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return x * p / q
    }
}
