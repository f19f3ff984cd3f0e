#if CYXWIZ_AVX2
import _Builtin_intrinsics.intel

/// The Q4_0, Q4_1 and Q8_0 kernels on AVX2's byte and word multiply-adds, for builds that target an
/// AVX2 CPU: the package's `AVX2` trait (`--traits AVX2`, which defines `CYXWIZ_AVX2`) beside
/// `-Xswiftc -target-cpu -Xswiftc haswell`, as the Makefile passes them.
///
/// Swift's SIMD types have no form that LLVM lowers to `vpmaddubsw` (32 byte products summed
/// in pairs, one instruction) or `vpmaddwd`: written with 16-bit lanes, as the portable kernels
/// in QuantizedProduct.swift are, a row costs ~19 instructions per 64 weights. Clang's intrinsics,
/// imported from its builtin headers, give those instructions directly. They are inline
/// functions compiled for AVX2, so this file builds only for an AVX2 target: the compiler
/// stops with an instruction-selection error otherwise, hence the trait, off by default.
///
/// The integer sums are the portable kernels' exactly, lane for lane (the same elements meet
/// in each 32-bit lane), and the float operations after them are the same, so results are
/// the same bits in both builds. The activations come as bytes (``QuantizedActivations/bytes``).
extension QuantizedProduct {
    /// `multiply` for Q4_0, Q4_1 and Q8_0 on the byte kernels: four activation rows at a time
    /// against each weight row, then the rest one by one (the same operations per row).
    static func multiplyBytes(
        _ matrix: WeightMatrix, rows rowRange: Range<Int>, activations: QuantizedActivations, m: Int, refined: Bool,
        into output: UnsafeMutablePointer<Float>
    ) {
        let blocks = matrix.columns / 32
        let columns = matrix.columns
        for row in rowRange {
            let weights = matrix.base + row * matrix.rowBytes
            var r = 0
            // Eight rows at a time for 4-bit weights: a pair of blocks unpacked once for all.
            while matrix.type != .q8_0 && r + 8 <= m {
                let (low, high) = matrix.type == .q4_1
                    ? dotQ4x8Bytes(weights, blockBytes: 20, hasMin: true, activations, firstRow: r, columns: columns, blocks: blocks)
                    : dotQ4x8Bytes(weights, blockBytes: 18, hasMin: false, activations, firstRow: r, columns: columns, blocks: blocks)
                for i in 0..<4 {
                    output[(r + i) * matrix.rows + row] = low[i]
                    output[(r + 4 + i) * matrix.rows + row] = high[i]
                }
                r += 8
            }
            while r + 4 <= m {
                let sums: SIMD4<Float>
                switch matrix.type {
                case .q8_0 where refined: sums = dotQ8x4WideWords(weights, activations, firstRow: r, columns: columns, blocks: blocks)
                case .q8_0: sums = dotQ8x4Bytes(weights, activations, firstRow: r, columns: columns, blocks: blocks)
                case .q4_1: sums = dotQ4_1x4Bytes(weights, activations, firstRow: r, columns: columns, blocks: blocks)
                default: sums = dotQ4_0x4Bytes(weights, activations, firstRow: r, columns: columns, blocks: blocks)
                }
                for i in 0..<4 { output[(r + i) * matrix.rows + row] = sums[i] }
                r += 4
            }
            while r < m {
                let sum: Float
                switch matrix.type {
                case .q8_0 where refined: sum = dotQ8WideWords(weights, activations, row: r, columns: columns, blocks: blocks)
                case .q8_0: sum = dotQ8Bytes(weights, activations, row: r, columns: columns, blocks: blocks)
                case .q4_1: sum = dotQ4_1Bytes(weights, activations, row: r, columns: columns, blocks: blocks)
                default: sum = dotQ4_0Bytes(weights, activations, row: r, columns: columns, blocks: blocks)
                }
                output[r * matrix.rows + row] = sum
                r += 1
            }
        }
    }

    @inline(__always)
    static func load256(_ p: UnsafeRawPointer) -> __m256i {
        _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
    }

    /// Writes one block's levels (elements 0–7, 8–15, 16–23, 24–31) as bytes where
    /// ``byteOffset(of:block:blocks:arrangement:)`` puts them, in `row` (a row of `bytes`).
    @inline(__always)
    static func storeBytes(
        _ q0: SIMD8<Int32>, _ q1: SIMD8<Int32>, _ q2: SIMD8<Int32>, _ q3: SIMD8<Int32>, block: Int, blocks: Int,
        arrangement: Arrangement, into row: UnsafeMutableRawPointer
    ) {
        // Packing works within 128-bit halves: the 32-bit groups come out as
        // q0[0-3] q1[0-3] q2[0-3] q3[0-3] | q0[4-7] q1[4-7] q2[4-7] q3[4-7]; one permutation
        // puts them in order. Levels are within ±127, so the saturating packs are exact.
        let words01 = _mm256_packs_epi32(unsafeBitCast(q0, to: __m256i.self), unsafeBitCast(q1, to: __m256i.self))
        let words23 = _mm256_packs_epi32(unsafeBitCast(q2, to: __m256i.self), unsafeBitCast(q3, to: __m256i.self))
        let ordered = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(words01, words23), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
        let low = row + byteOffset(of: 0, block: block, blocks: blocks, arrangement: arrangement)
        let high = row + byteOffset(of: 16, block: block, blocks: blocks, arrangement: arrangement)
        _mm256_storeu2_m128i(high.assumingMemoryBound(to: __m128i.self), low.assumingMemoryBound(to: __m128i.self), ordered)
    }

    /// ``treeSum`` of four vectors at once: two rounds of `vhaddps` leave each vector's
    /// pairs' sums, then the halves are added, the same additions in the same order.
    @inline(__always)
    static func treeSums(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> SIMD4<Float> {
        let h = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d))
        return h.lowHalf + h.highHalf
    }

    // MARK: Q4_0 / Q4_1

    /// A pair of blocks' nibbles as bytes: the low nibbles of the first block then of the
    /// second (elements 0–15 of each), and the high nibbles likewise (elements 16–31).
    @inline(__always)
    static func nibbleBytes(_ first: UnsafeRawPointer, _ second: UnsafeRawPointer) -> (__m256i, __m256i) {
        let v = _mm256_loadu2_m128i(second.assumingMemoryBound(to: __m128i.self), first.assumingMemoryBound(to: __m128i.self))
        let mask = _mm256_set1_epi8(0x0F)
        return (_mm256_and_si256(v, mask), _mm256_and_si256(_mm256_srli_epi16(v, 4), mask))
    }

    /// `pairProducts` on bytes: 16-bit lane `j` of each block sums elements `2j`, `2j+1`,
    /// `2j+16`, `2j+17` (at most 4·15·127, no saturation), and `vpmaddwd` adds neighbouring
    /// lanes, as `widenSmall` does.
    @inline(__always)
    static func pairProducts(_ n: (__m256i, __m256i), bytes x: UnsafeRawPointer) -> SIMD8<Float> {
        let words = _mm256_add_epi16(_mm256_maddubs_epi16(n.0, load256(x)), _mm256_maddubs_epi16(n.1, load256(x + 32)))
        return _mm256_cvtepi32_ps(_mm256_madd_epi16(words, _mm256_set1_epi16(1)))
    }

    static func dotQ4_0Bytes(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int) -> Float {
        dotQ4Bytes(weights, blockBytes: 18, hasMin: false, a, row: row, columns: columns, blocks: blocks)
    }

    static func dotQ4_1Bytes(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int) -> Float {
        dotQ4Bytes(weights, blockBytes: 20, hasMin: true, a, row: row, columns: columns, blocks: blocks)
    }

    static func dotQ4_0x4Bytes(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int) -> SIMD4<Float> {
        dotQ4x4Bytes(weights, blockBytes: 18, hasMin: false, a, firstRow: firstRow, columns: columns, blocks: blocks)
    }

    static func dotQ4_1x4Bytes(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int) -> SIMD4<Float> {
        dotQ4x4Bytes(weights, blockBytes: 20, hasMin: true, a, firstRow: firstRow, columns: columns, blocks: blocks)
    }

    /// `dotQ4` with the products on bytes; the same operations per row as ``dotQ4x4Bytes``.
    @inline(__always)
    static func dotQ4Bytes(
        _ weights: UnsafeRawPointer, blockBytes: Int, hasMin: Bool, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int
    ) -> Float {
        let header = hasMin ? 4 : 2
        var w = weights
        var x = UnsafeRawPointer(a.bytes + row &* columns)
        var s = UnsafeRawPointer(a.pairScales + row &* (blocks / 2) &* 8)
        var u = UnsafeRawPointer(a.sums + row &* blocks)
        var accumulator = SIMD8<Float>()
        var offsets = SIMD2<Float>()
        for _ in 0..<(blocks / 2) {
            let (d, k) = pairHeaders(w, w + blockBytes, hasMin: hasMin)
            let n = nibbleBytes(w + header, w + blockBytes + header)
            accumulator.addProduct(pairProducts(n, bytes: x), d * s.loadUnaligned(as: SIMD8<Float>.self))
            offsets.addProduct(k, u.loadUnaligned(as: SIMD2<Float>.self))
            w += 2 &* blockBytes
            x += 64
            s += 32
            u += 8
        }
        var total = treeSum(accumulator) + (offsets[0] + offsets[1])
        if blocks & 1 == 1 {
            addOddBlock(weights, blockBytes: blockBytes, hasMin: hasMin, a, row: row, columns: columns, blocks: blocks, into: &total)
        }
        return total
    }

    /// `dotQ4x4` with the products on bytes: each pair of weight blocks unpacked once for four
    /// activation rows.
    @inline(__always)
    static func dotQ4x4Bytes(
        _ weights: UnsafeRawPointer, blockBytes: Int, hasMin: Bool, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int
    ) -> SIMD4<Float> {
        let header = hasMin ? 4 : 2
        let pairs = blocks / 2
        let rowBytes = columns, scaleRowBytes = pairs &* 32
        var w = weights
        var x = UnsafeRawPointer(a.bytes + firstRow &* columns)
        var s = UnsafeRawPointer(a.pairScales + firstRow &* pairs &* 8)
        var u = UnsafeRawPointer(a.groupSums + firstRow / 4 &* pairs &* 8)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var offsets = SIMD8<Float>()
        for _ in 0..<pairs {
            let (d, k) = pairHeaders(w, w + blockBytes, hasMin: hasMin)
            let n = nibbleBytes(w + header, w + blockBytes + header)
            a0.addProduct(pairProducts(n, bytes: x), d * s.loadUnaligned(as: SIMD8<Float>.self))
            a1.addProduct(pairProducts(n, bytes: x + rowBytes), d * s.loadUnaligned(fromByteOffset: scaleRowBytes, as: SIMD8<Float>.self))
            a2.addProduct(pairProducts(n, bytes: x + 2 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 2 &* scaleRowBytes, as: SIMD8<Float>.self))
            a3.addProduct(pairProducts(n, bytes: x + 3 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 3 &* scaleRowBytes, as: SIMD8<Float>.self))
            let k4 = SIMD4(lowHalf: k, highHalf: k)
            offsets.addProduct(SIMD8(lowHalf: k4, highHalf: k4), u.loadUnaligned(as: SIMD8<Float>.self))
            w += 2 &* blockBytes
            x += 64
            s += 32
            u += 32
        }
        var totals = treeSums(a0, a1, a2, a3)
            + SIMD4(offsets[0] + offsets[1], offsets[2] + offsets[3], offsets[4] + offsets[5], offsets[6] + offsets[7])
        if blocks & 1 == 1 {
            for r in 0..<4 {
                addOddBlock(weights, blockBytes: blockBytes, hasMin: hasMin, a, row: firstRow + r, columns: columns, blocks: blocks, into: &totals[r])
            }
        }
        return totals
    }

    /// ``dotQ4x4Bytes`` for eight activation rows (`firstRow` a multiple of 4): the same
    /// operations per row, with the weights' unpacking and scales shared by twice the rows.
    @inline(__always)
    static func dotQ4x8Bytes(
        _ weights: UnsafeRawPointer, blockBytes: Int, hasMin: Bool, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int
    ) -> (SIMD4<Float>, SIMD4<Float>) {
        let header = hasMin ? 4 : 2
        let pairs = blocks / 2
        let rowBytes = columns, scaleRowBytes = pairs &* 32
        var w = weights
        var x = UnsafeRawPointer(a.bytes + firstRow &* columns)
        var s = UnsafeRawPointer(a.pairScales + firstRow &* pairs &* 8)
        var u = UnsafeRawPointer(a.groupSums + firstRow / 4 &* pairs &* 8)
        let groupBytes = pairs &* 32
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        var offsets = SIMD8<Float>(), offsets2 = SIMD8<Float>()
        for _ in 0..<pairs {
            let (d, k) = pairHeaders(w, w + blockBytes, hasMin: hasMin)
            let n = nibbleBytes(w + header, w + blockBytes + header)
            a0.addProduct(pairProducts(n, bytes: x), d * s.loadUnaligned(as: SIMD8<Float>.self))
            a1.addProduct(pairProducts(n, bytes: x + rowBytes), d * s.loadUnaligned(fromByteOffset: scaleRowBytes, as: SIMD8<Float>.self))
            a2.addProduct(pairProducts(n, bytes: x + 2 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 2 &* scaleRowBytes, as: SIMD8<Float>.self))
            a3.addProduct(pairProducts(n, bytes: x + 3 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 3 &* scaleRowBytes, as: SIMD8<Float>.self))
            a4.addProduct(pairProducts(n, bytes: x + 4 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 4 &* scaleRowBytes, as: SIMD8<Float>.self))
            a5.addProduct(pairProducts(n, bytes: x + 5 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 5 &* scaleRowBytes, as: SIMD8<Float>.self))
            a6.addProduct(pairProducts(n, bytes: x + 6 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 6 &* scaleRowBytes, as: SIMD8<Float>.self))
            a7.addProduct(pairProducts(n, bytes: x + 7 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 7 &* scaleRowBytes, as: SIMD8<Float>.self))
            let k4 = SIMD4(lowHalf: k, highHalf: k)
            let k8 = SIMD8(lowHalf: k4, highHalf: k4)
            offsets.addProduct(k8, u.loadUnaligned(as: SIMD8<Float>.self))
            offsets2.addProduct(k8, u.loadUnaligned(fromByteOffset: groupBytes, as: SIMD8<Float>.self))
            w += 2 &* blockBytes
            x += 64
            s += 32
            u += 32
        }
        var low = treeSums(a0, a1, a2, a3)
            + SIMD4(offsets[0] + offsets[1], offsets[2] + offsets[3], offsets[4] + offsets[5], offsets[6] + offsets[7])
        var high = treeSums(a4, a5, a6, a7)
            + SIMD4(offsets2[0] + offsets2[1], offsets2[2] + offsets2[3], offsets2[4] + offsets2[5], offsets2[6] + offsets2[7])
        if blocks & 1 == 1 {
            for r in 0..<4 {
                addOddBlock(weights, blockBytes: blockBytes, hasMin: hasMin, a, row: firstRow + r, columns: columns, blocks: blocks, into: &low[r])
                addOddBlock(weights, blockBytes: blockBytes, hasMin: hasMin, a, row: firstRow + 4 + r, columns: columns, blocks: blocks, into: &high[r])
            }
        }
        return (low, high)
    }

    // MARK: Q8_0

    /// A block's 32 weights as `vpmaddubsw` takes them: their magnitudes (unsigned; −128's is
    /// 128) and the signed weights, whose signs go onto the activations.
    @inline(__always)
    static func signedBytes(_ packed: UnsafeRawPointer) -> (magnitudes: __m256i, signs: __m256i) {
        let w = load256(packed)
        return (_mm256_sign_epi8(w, w), w)
    }

    /// `byteProducts` on bytes: 16-bit lane `j` sums elements `2j`, `2j+1` (at most 2·128·127,
    /// within 16 bits, so the saturating add is exact), and `vpmaddwd` adds neighbouring lanes,
    /// as `widen` does.
    @inline(__always)
    static func byteProducts(_ w: (magnitudes: __m256i, signs: __m256i), bytes x: UnsafeRawPointer) -> SIMD8<Float> {
        let words = _mm256_maddubs_epi16(w.magnitudes, _mm256_sign_epi8(load256(x), w.signs))
        return _mm256_cvtepi32_ps(_mm256_madd_epi16(words, _mm256_set1_epi16(1)))
    }

    static func dotQ8Bytes(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int) -> Float {
        let x = UnsafeRawPointer(a.bytes + row * columns)
        let scales = a.scales + row * blocks
        var accumulator = SIMD8<Float>()
        for b in 0..<blocks {
            let block = weights + b * 34
            let d = Float(block.loadUnaligned(as: Float16.self))
            accumulator.addProduct(byteProducts(signedBytes(block + 2), bytes: x + b * 32), SIMD8(repeating: d * scales[b]))
        }
        return treeSum(accumulator)
    }

    static func dotQ8x4Bytes(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int) -> SIMD4<Float> {
        let x = UnsafeRawPointer(a.bytes + firstRow * columns)
        let rowBytes = columns
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<blocks {
            let block = weights + b * 34
            let d = Float(block.loadUnaligned(as: Float16.self))
            let w = signedBytes(block + 2)
            let xb = x + b * 32
            a0.addProduct(byteProducts(w, bytes: xb), SIMD8(repeating: d * a.scales[firstRow * blocks + b]))
            a1.addProduct(byteProducts(w, bytes: xb + rowBytes), SIMD8(repeating: d * a.scales[(firstRow + 1) * blocks + b]))
            a2.addProduct(byteProducts(w, bytes: xb + 2 * rowBytes), SIMD8(repeating: d * a.scales[(firstRow + 2) * blocks + b]))
            a3.addProduct(byteProducts(w, bytes: xb + 3 * rowBytes), SIMD8(repeating: d * a.scales[(firstRow + 3) * blocks + b]))
        }
        return treeSums(a0, a1, a2, a3)
    }

    /// A Q8_0 block's weights widened to 16 bits: elements 0–15, then 16–31.
    @inline(__always)
    static func wordWeights(_ packed: UnsafeRawPointer) -> (__m256i, __m256i) {
        (_mm256_cvtepi8_epi16(_mm_loadu_si128(packed.assumingMemoryBound(to: __m128i.self))),
         _mm256_cvtepi8_epi16(_mm_loadu_si128((packed + 16).assumingMemoryBound(to: __m128i.self))))
    }

    /// ``wideSums(_:_:)`` with `vpmaddwd`: lane `j` of each half sums elements `2j`, `2j+1` of it.
    @inline(__always)
    static func wideProducts(_ w: (__m256i, __m256i), words x: UnsafeRawPointer) -> SIMD8<Float> {
        _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_madd_epi16(w.0, load256(x)), _mm256_madd_epi16(w.1, load256(x + 32))))
    }

    /// `dotQ8Wide` on `vpmaddwd`.
    static func dotQ8WideWords(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int) -> Float {
        let x = UnsafeRawPointer(a.wide + row * columns)
        let scales = a.wideScales + row * blocks
        var accumulator = SIMD8<Float>()
        for b in 0..<blocks {
            let block = weights + b * 34
            let d = Float(block.loadUnaligned(as: Float16.self))
            accumulator.addProduct(wideProducts(wordWeights(block + 2), words: x + b * 64), SIMD8(repeating: d * scales[b]))
        }
        return treeSum(accumulator)
    }

    /// Four rows of `dotQ8WideWords`, each computed in the same order as alone.
    static func dotQ8x4WideWords(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int) -> SIMD4<Float> {
        let x = UnsafeRawPointer(a.wide + firstRow * columns)
        let rowBytes = 2 * columns
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<blocks {
            let block = weights + b * 34
            let d = Float(block.loadUnaligned(as: Float16.self))
            let w = wordWeights(block + 2)
            let xb = x + b * 64
            let s = a.wideScales + firstRow * blocks + b
            a0.addProduct(wideProducts(w, words: xb), SIMD8(repeating: d * s[0]))
            a1.addProduct(wideProducts(w, words: xb + rowBytes), SIMD8(repeating: d * s[blocks]))
            a2.addProduct(wideProducts(w, words: xb + 2 * rowBytes), SIMD8(repeating: d * s[2 * blocks]))
            a3.addProduct(wideProducts(w, words: xb + 3 * rowBytes), SIMD8(repeating: d * s[3 * blocks]))
        }
        return treeSums(a0, a1, a2, a3)
    }
}
#endif
