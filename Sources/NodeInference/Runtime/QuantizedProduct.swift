/// Matrix-vector products that read GGUF blocks in place, as llama.cpp does: the activations
/// are quantized once per product to 8 bits per block of 32 (a scale `d` and integers in
/// -127…127), and each weight block meets its activation block in 16-bit integer products. No
/// weight is ever expanded to f32, so a decoding step reads each weight byte once.
///
/// The activations are stored pre-arranged in the order in which the kernel unpacks a block's
/// bytes, so the hot loop only masks and shifts the weights:
/// - Q4_0 / Q4_1: 16 bytes of nibbles seen as eight 16-bit lanes; lane `j` holds elements
///   `2j` (bits 0–3), `2j+16` (4–7), `2j+1` (8–11) and `2j+17` (12–15). Blocks go in pairs, so a
///   256-bit register carries two blocks; an odd last block is handled alone.
/// - Q8_0: 32 signed bytes seen as sixteen 16-bit lanes; lane `j` holds elements `2j` (low
///   byte) and `2j+1` (high byte).
///
/// Products of a 4-bit weight and an activation fit 16 bits four times over (15·127·4); of an
/// 8-bit weight, twice (128·127·2), which is all a lane ever sums before widening to 32 bits.
///
/// The vocabulary projection (`refined`) takes 16-bit activations instead (see
/// ``quantizeWide``), against Q8_0 weights only.
package enum QuantizedProduct {
    /// Weight types with an integer kernel (`refined`: for 16-bit activations).
    package static func supports(_ type: TensorType, refined: Bool = false) -> Bool {
        refined ? type == .q8_0 : [.q4_0, .q4_1, .q8_0, .q4_K, .q5_K, .q6_K].contains(type)
    }

    package enum Arrangement: Sendable { case nibbles, bytes }

    package static func arrangement(for type: TensorType) -> Arrangement {
        type == .q4_0 || type == .q4_1 ? .nibbles : .bytes
    }

    /// Where element `e` (0..<32) of `block` goes in a row of ``QuantizedActivations/bytes``:
    /// blocks in order for 8-bit weights; for 4-bit weights a pair of blocks is 64 bytes,
    /// elements 0–15 of the first block, then of the second, then elements 16–31 of each (the
    /// order of a pair's low and high nibbles), and an odd last block stays in order.
    @inline(__always)
    static func byteOffset(of element: Int, block: Int, blocks: Int, arrangement: Arrangement) -> Int {
        guard arrangement == .nibbles, block & ~1 + 1 < blocks else { return block * 32 + element }
        return (block & ~1) * 32 + (element >= 16 ? 32 : 0) + (block & 1) * 16 + element % 16
    }

    /// Quantizes `m` rows of `columns` activations (a multiple of 32) into `buffer`: 8 bits per
    /// block of 32, or with `refine` 16 bits (``quantizeWide``), for the vocabulary projection,
    /// where the final hidden state's outlier channels make one 8-bit step per block too coarse
    /// (on SmolLM2 it moved logits by ~2% of their range and changed greedy choices).
    package static func quantize(
        _ input: UnsafePointer<Float>, m: Int, columns: Int, arrangement: Arrangement, refine: Bool = false,
        into buffer: QuantizedActivations
    ) {
        quantize(input, rows: 0..<m, columns: columns, arrangement: arrangement, refine: refine, into: buffer)
    }

    /// `quantize` of rows `rows` only (`input` is row 0): rows are independent, so threads
    /// can quantize disjoint ranges of one buffer.
    package static func quantize(
        _ input: UnsafePointer<Float>, rows: Range<Int>, columns: Int, arrangement: Arrangement, refine: Bool,
        into buffer: QuantizedActivations
    ) {
        if refine {
            quantizeWide(input, rows: rows, columns: columns, into: buffer)
            return
        }
        quantizeFast(input, rows: rows, columns: columns, arrangement: arrangement, into: buffer)
        if arrangement == .nibbles { layOutPairs(buffer, rows: rows, blocks: columns / 32) }
    }

    /// The per-pair copies the Q4 kernels read: each row's scales spread over a pair's lanes,
    /// and each group of four rows' sums interleaved (see ``QuantizedActivations``).
    static func layOutPairs(_ buffer: QuantizedActivations, rows: Range<Int>, blocks: Int) {
        let pairs = blocks / 2
        for row in rows {
            let scales = buffer.scales + row * blocks, sums = buffer.sums + row * blocks
            let spread = buffer.pairScales + row * pairs * 8
            let grouped = buffer.groupSums + (row / 4 * pairs) * 8 + row % 4 * 2
            for pair in 0..<pairs {
                (spread + pair * 8).initialize(repeating: scales[2 * pair], count: 4)
                (spread + pair * 8 + 4).initialize(repeating: scales[2 * pair + 1], count: 4)
                grouped[pair * 8] = sums[2 * pair]
                grouped[pair * 8 + 1] = sums[2 * pair + 1]
            }
        }
    }

    /// 16-bit activations: per block of 32 a scale `amax / 32767` and levels in ±32767 (ties
    /// to even, NaN as 0), in order in ``QuantizedActivations/wide`` (AVX2 builds) and grouped
    /// as 32-bit lanes in ``QuantizedActivations/wideLanes``. A step is 1/258 of
    /// the 8-bit one, finer than the second 8-bit level for the rounding error that this
    /// replaced (which also left the finer blocks at one level), and the kernels take it in one
    /// pass of `vpmaddwd` instead of two of `vpmaddubsw` with a test per block and row.
    static func quantizeWide(_ input: UnsafePointer<Float>, rows: Range<Int>, columns: Int, into buffer: QuantizedActivations) {
        let blocks = columns / 32
        for row in rows {
            let x = UnsafeRawPointer(input + row * columns)
            let out = UnsafeMutableRawPointer(buffer.wide + row * columns)
            let lanes = UnsafeMutableRawPointer(buffer.wideLanes + row * columns)
            let scales = buffer.wideScales + row * blocks
            for block in 0..<blocks {
                let source = x + block * 128
                let v0 = source.loadUnaligned(as: SIMD8<Float>.self), v1 = source.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                let v2 = source.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self), v3 = source.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                let amax = largest(larger(larger(magnitude(v0), magnitude(v1)), larger(magnitude(v2), magnitude(v3))))
                let inverse: Float = amax > 0 ? 32767 / amax : 0
                let limit: Float = 32767
                scales[block] = amax / limit
                let q0 = levels(v0, inverse, limit: limit), q1 = levels(v1, inverse, limit: limit)
                let q2 = levels(v2, inverse, limit: limit), q3 = levels(v3, inverse, limit: limit)
                #if CYXWIZ_AVX2
                out.storeBytes(
                    of: SIMD16<Int16>(truncatingIfNeeded: SIMD16<Int32>(lowHalf: q0, highHalf: q1)), toByteOffset: block * 64, as: SIMD16<Int16>.self)
                out.storeBytes(
                    of: SIMD16<Int16>(truncatingIfNeeded: SIMD16<Int32>(lowHalf: q2, highHalf: q3)), toByteOffset: block * 64 + 32,
                    as: SIMD16<Int16>.self)
                #endif
                // The portable kernel's grouping: even then odd elements of 0–15, of 16–31.
                let first = SIMD16<Int32>(lowHalf: q0, highHalf: q1), second = SIMD16<Int32>(lowHalf: q2, highHalf: q3)
                lanes.storeBytes(of: first.evenHalf, toByteOffset: block * 128, as: SIMD8<Int32>.self)
                lanes.storeBytes(of: first.oddHalf, toByteOffset: block * 128 + 32, as: SIMD8<Int32>.self)
                lanes.storeBytes(of: second.evenHalf, toByteOffset: block * 128 + 64, as: SIMD8<Int32>.self)
                lanes.storeBytes(of: second.oddHalf, toByteOffset: block * 128 + 96, as: SIMD8<Int32>.self)
            }
        }
    }

    /// The 8-bit activations, in SIMD: levels (ties to even, NaN as 0), scales and sums, blocks
    /// written straight into their arrangement.
    static func quantizeFast(
        _ input: UnsafePointer<Float>, rows: Range<Int>, columns: Int, arrangement: Arrangement, into buffer: QuantizedActivations
    ) {
        let blocks = columns / 32
        for row in rows {
            let x = UnsafeRawPointer(input + row * columns)
            let arranged = UnsafeMutableRawPointer(buffer.values + row * columns)
            let scales = buffer.scales + row * blocks
            let sums = buffer.sums + row * blocks
            for block in 0..<blocks {
                let source = x + block * 128
                let v0 = source.loadUnaligned(as: SIMD8<Float>.self), v1 = source.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                let v2 = source.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self), v3 = source.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                let amax = largest(larger(larger(magnitude(v0), magnitude(v1)), larger(magnitude(v2), magnitude(v3))))
                let d = amax / 127
                let inverse: Float = amax > 0 ? 127 / amax : 0
                let q0 = levels(v0, inverse), q1 = levels(v1, inverse), q2 = levels(v2, inverse), q3 = levels(v3, inverse)
                scales[block] = d
                sums[block] = d * Float((q0 &+ q1 &+ q2 &+ q3).wrappedSum())
                #if CYXWIZ_AVX2
                storeBytes(q0, q1, q2, q3, block: block, blocks: blocks, arrangement: arrangement,
                           into: UnsafeMutableRawPointer(buffer.bytes + row * columns))
                #endif
                let low = SIMD16<Int16>(truncatingIfNeeded: SIMD16<Int32>(lowHalf: q0, highHalf: q1))
                let high = SIMD16<Int16>(truncatingIfNeeded: SIMD16<Int32>(lowHalf: q2, highHalf: q3))
                switch arrangement {
                case .bytes:
                    // Even elements, then odd ones.
                    let all = SIMD32<Int16>(lowHalf: low, highHalf: high)
                    let out = arranged + block * 64
                    out.storeBytes(of: all.evenHalf, as: SIMD16<Int16>.self)
                    out.storeBytes(of: all.oddHalf, toByteOffset: 32, as: SIMD16<Int16>.self)
                case .nibbles:
                    // Groups: even elements of 0–15, of 16–31, odd elements of 0–15, of 16–31;
                    // a pair of blocks interleaves its two blocks' eight lanes per group.
                    let paired = block & ~1 + 1 < blocks
                    let out = arranged + 2 * (paired ? (block & ~1) * 32 + (block & 1) * 8 : block * 32)
                    let stride = paired ? 32 : 16
                    out.storeBytes(of: low.evenHalf, as: SIMD8<Int16>.self)
                    out.storeBytes(of: high.evenHalf, toByteOffset: stride, as: SIMD8<Int16>.self)
                    out.storeBytes(of: low.oddHalf, toByteOffset: 2 * stride, as: SIMD8<Int16>.self)
                    out.storeBytes(of: high.oddHalf, toByteOffset: 3 * stride, as: SIMD8<Int16>.self)
                }
            }
        }
    }

    // `pointwiseMax` and `max()` stay calls into the standard library here; masks and
    // `replacing` compile to a compare and a blend.
    @inline(__always)
    static func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }

    @inline(__always)
    static func largest(_ v: SIMD8<Float>) -> Float {
        let h = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
        return Swift.max(Swift.max(h[0], h[1]), Swift.max(h[2], h[3]))
    }

    @inline(__always)
    static func magnitude(_ v: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7FFF_FFFF), to: SIMD8<Float>.self)
    }

    /// Eight activations as levels: scaled, clamped to ±`limit` (127, or 32767 for 16 bits),
    /// rounded to even by adding and taking back 1.5·2²³ (exact below 2²², and no conversion
    /// call), NaN as 0.
    @inline(__always)
    static func levels(_ v: SIMD8<Float>, _ inverse: Float, limit: Float = 127) -> SIMD8<Int32> {
        var scaled = v * inverse
        let low = SIMD8<Float>(repeating: -limit), high = SIMD8<Float>(repeating: limit)
        scaled.replace(with: low, where: low .> scaled)
        scaled.replace(with: high, where: high .< scaled)
        scaled.replace(with: 0, where: scaled .!= scaled)
        let magic: Float = 12_582_912
        return unsafeBitCast(scaled + SIMD8(repeating: magic), to: SIMD8<Int32>.self) &- SIMD8(repeating: 0x4B40_0000)
    }

    /// Whether this build has the AVX2 kernels (the package's `AVX2` trait).
    package static var hasAVX2Kernels: Bool {
        #if CYXWIZ_AVX2
        true
        #else
        false
        #endif
    }

    /// `output[r * rows + row] = Σ weight[row] · input[r]` for `row` in `rowRange`, `r` in 0..<m.
    /// `portable`: the portable kernels even where the AVX2 ones exist (to compare the two).
    package static func multiply(
        _ matrix: WeightMatrix, rows rowRange: Range<Int>, activations: QuantizedActivations, m: Int, refined: Bool = false,
        portable: Bool = false, into output: UnsafeMutablePointer<Float>
    ) {
        let blocks = matrix.columns / 32
        let columns = matrix.columns
        if matrix.type.blockSize == 256 {
            for row in rowRange {
                let weights = matrix.base + row * matrix.rowBytes
                var r = 0
                while r + 4 <= m {
                    let sums = dotK4(matrix.type, weights, activations, firstRow: r, columns: columns)
                    for i in 0..<4 { output[(r + i) * matrix.rows + row] = sums[i] }
                    r += 4
                }
                while r < m {
                    output[r * matrix.rows + row] = dotK1(matrix.type, weights, activations, row: r, columns: columns)
                    r += 1
                }
            }
            return
        }
        #if CYXWIZ_AVX2
        if !portable {
            multiplyBytes(matrix, rows: rowRange, activations: activations, m: m, refined: refined, into: output)
            return
        }
        #endif
        for row in rowRange {
            let weights = matrix.base + row * matrix.rowBytes
            var r = 0
            while r + 4 <= m {
                let sums: SIMD4<Float>
                switch matrix.type {
                case .q8_0 where refined: sums = dotQ8x4Wide(weights, activations, firstRow: r, columns: columns, blocks: blocks)
                case .q8_0: sums = dotQ8x4(weights, activations, firstRow: r, columns: columns, blocks: blocks)
                case .q4_1: sums = dotQ4_1x4(weights, activations, firstRow: r, columns: columns, blocks: blocks)
                default: sums = dotQ4_0x4(weights, activations, firstRow: r, columns: columns, blocks: blocks)
                }
                for i in 0..<4 { output[(r + i) * matrix.rows + row] = sums[i] }
                r += 4
            }
            while r < m {
                let sum: Float
                switch matrix.type {
                case .q8_0 where refined: sum = dotQ8Wide(weights, activations, row: r, columns: columns, blocks: blocks)
                case .q8_0: sum = dotQ8(weights, activations, row: r, columns: columns, blocks: blocks)
                case .q4_1: sum = dotQ4_1(weights, activations, row: r, columns: columns, blocks: blocks)
                default: sum = dotQ4_0(weights, activations, row: r, columns: columns, blocks: blocks)
                }
                output[r * matrix.rows + row] = sum
                r += 1
            }
        }
    }

    // MARK: Q4_0 / Q4_1

    /// The four nibble groups of a pair of blocks, as 16-bit lanes (block `b` in lanes 0–7,
    /// `b + 1` in 8–15).
    @inline(__always)
    static func nibblePair(_ first: UnsafeRawPointer, _ second: UnsafeRawPointer)
        -> (SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>)
    {
        let v = SIMD16<UInt16>(lowHalf: first.loadUnaligned(as: SIMD8<UInt16>.self), highHalf: second.loadUnaligned(as: SIMD8<UInt16>.self))
        let mask = SIMD16<UInt16>(repeating: 0x000F)
        return (
            unsafeBitCast(v & mask, to: SIMD16<Int16>.self), unsafeBitCast((v &>> 4) & mask, to: SIMD16<Int16>.self),
            unsafeBitCast((v &>> 8) & mask, to: SIMD16<Int16>.self), unsafeBitCast(v &>> 12, to: SIMD16<Int16>.self)
        )
    }

    @inline(__always)
    static func nibbleSingle(_ packed: UnsafeRawPointer) -> (SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>) {
        let v = packed.loadUnaligned(as: SIMD8<UInt16>.self)
        let mask = SIMD8<UInt16>(repeating: 0x000F)
        return (
            unsafeBitCast(v & mask, to: SIMD8<Int16>.self), unsafeBitCast((v &>> 4) & mask, to: SIMD8<Int16>.self),
            unsafeBitCast((v &>> 8) & mask, to: SIMD8<Int16>.self), unsafeBitCast(v &>> 12, to: SIMD8<Int16>.self)
        )
    }

    /// A vector's lanes summed as a tree, `((v₀+v₁)+(v₂+v₃)) + ((v₄+v₅)+(v₆+v₇))`: the order
    /// in which `vhaddps` sums four rows' accumulators at once (the AVX2 kernels), where
    /// `sum()` adds lane after lane in a chain of eight dependent additions (~40 instructions
    /// for four rows, a tenth of a 576-column product).
    @inline(__always)
    static func treeSum(_ v: SIMD8<Float>) -> Float {
        let pairs = v.evenHalf + v.oddHalf
        return (pairs[0] + pairs[1]) + (pairs[2] + pairs[3])
    }

    /// Sums adjacent 16-bit lanes into 32-bit ones, as floats.
    @inline(__always)
    static func widen(_ s: SIMD16<Int16>) -> SIMD8<Float> {
        let w = unsafeBitCast(s, to: SIMD8<Int32>.self)
        return SIMD8<Float>(((w &<< 16) &>> 16) &+ (w &>> 16))
    }

    @inline(__always)
    static func widen(_ s: SIMD8<Int16>) -> SIMD4<Float> {
        let w = unsafeBitCast(s, to: SIMD4<Int32>.self)
        return SIMD4<Float>(((w &<< 16) &>> 16) &+ (w &>> 16))
    }

    /// `widen` for lanes whose neighbours sum within 16 bits (4-bit weights: |sum| ≤ 2·7620):
    /// the high half of `w + (w << 16)` is that sum, so one shift fewer than `widen`.
    @inline(__always)
    static func widenSmall(_ s: SIMD16<Int16>) -> SIMD8<Float> {
        let w = unsafeBitCast(s, to: SIMD8<Int32>.self)
        return SIMD8<Float>((w &+ (w &<< 16)) &>> 16)
    }

    @inline(__always)
    static func pairProducts(
        _ n: (SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>), _ x: UnsafeRawPointer
    ) -> SIMD8<Float> {
        var s = n.0 &* x.loadUnaligned(as: SIMD16<Int16>.self)
        s &+= n.1 &* x.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int16>.self)
        s &+= n.2 &* x.loadUnaligned(fromByteOffset: 64, as: SIMD16<Int16>.self)
        s &+= n.3 &* x.loadUnaligned(fromByteOffset: 96, as: SIMD16<Int16>.self)
        return widenSmall(s)
    }

    @inline(__always)
    static func singleProducts(_ n: (SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>), _ x: UnsafeRawPointer) -> Float {
        var s = n.0 &* x.loadUnaligned(as: SIMD8<Int16>.self)
        s &+= n.1 &* x.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)
        s &+= n.2 &* x.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int16>.self)
        s &+= n.3 &* x.loadUnaligned(fromByteOffset: 48, as: SIMD8<Int16>.self)
        return widen(s).sum()
    }

    /// What multiplies a block's scaled activation sum outside the integer product: the
    /// block's minimum `m` (Q4_1), or `-8·d` for Q4_0's offset of 8.
    @inline(__always)
    static func offsetFactor(_ block: UnsafeRawPointer, hasMin: Bool, d: Float) -> Float {
        hasMin ? Float(block.loadUnaligned(fromByteOffset: 2, as: Float16.self)) : -8 * d
    }

    /// The scales of a pair of Q4_0/Q4_1 blocks as the lanes of the pair's products (`d₀` in
    /// lanes 0–3, `d₁` in 4–7), and their offset factors (``offsetFactor``). Each block's
    /// first four bytes are loaded whole (`d` and `m`, or `d` and two bytes of nibbles), so the
    /// f16 conversion writes a whole register: a 16-bit insert would merge into whatever
    /// register the compiler picks, an accumulator of the loop included, and chain the
    /// iterations through it.
    @inline(__always)
    static func pairHeaders(_ first: UnsafeRawPointer, _ second: UnsafeRawPointer, hasMin: Bool) -> (SIMD8<Float>, SIMD2<Float>) {
        let bits = SIMD4<UInt32>(first.loadUnaligned(as: UInt32.self), second.loadUnaligned(as: UInt32.self), 0, 0)
        let h = unsafeBitCast(bits, to: SIMD8<Float16>.self)
        let d0 = Float(h[0]), d1 = Float(h[2])
        return (
            SIMD8(lowHalf: SIMD4(repeating: d0), highHalf: SIMD4(repeating: d1)),
            hasMin ? SIMD2(Float(h[1]), Float(h[3])) : SIMD2(-8 * d0, -8 * d1)
        )
    }

    /// Adds the odd last block of a 4-bit weight row (outside the pair loops) against
    /// activation row `row` into `total`, from the 16-bit activations: the same two additions
    /// in the same order for every Q4 kernel, so a row's result never depends on which one ran.
    @inline(__always)
    static func addOddBlock(
        _ weights: UnsafeRawPointer, blockBytes: Int, hasMin: Bool, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int,
        into total: inout Float
    ) {
        let b = blocks - 1
        let block = weights + b * blockBytes
        let d = Float(block.loadUnaligned(as: Float16.self))
        let n = nibbleSingle(block + (hasMin ? 4 : 2))
        total += d * a.scales[row * blocks + b] * singleProducts(n, UnsafeRawPointer(a.values + row * columns + b * 32))
        total += offsetFactor(block, hasMin: hasMin, d: d) * a.sums[row * blocks + b]
    }

    // The Q4 kernels, one per type so that `hasMin` and the block size are constants in the
    // loop (a runtime flag cost a test and a branch per block pair).

    static func dotQ4_0(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int) -> Float {
        dotQ4(weights, blockBytes: 18, hasMin: false, a, row: row, columns: columns, blocks: blocks)
    }

    static func dotQ4_1(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int) -> Float {
        dotQ4(weights, blockBytes: 20, hasMin: true, a, row: row, columns: columns, blocks: blocks)
    }

    static func dotQ4_0x4(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int) -> SIMD4<Float> {
        dotQ4x4(weights, blockBytes: 18, hasMin: false, a, firstRow: firstRow, columns: columns, blocks: blocks)
    }

    static func dotQ4_1x4(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int) -> SIMD4<Float> {
        dotQ4x4(weights, blockBytes: 20, hasMin: true, a, firstRow: firstRow, columns: columns, blocks: blocks)
    }

    /// One weight row against one activation row. Per block pair, lane by lane: the integer
    /// products times `d·s` (the scales laid out per lane in ``QuantizedActivations/pairScales``)
    /// into one accumulator, the offsets `k·u` into another; `dotQ4x4` does exactly these
    /// operations per row, so a row's result is the same alone or among four (batch invariance).
    @inline(__always)
    static func dotQ4(
        _ weights: UnsafeRawPointer, blockBytes: Int, hasMin: Bool, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int
    ) -> Float {
        let header = hasMin ? 4 : 2
        var w = weights
        var x = UnsafeRawPointer(a.values + row &* columns)
        var s = UnsafeRawPointer(a.pairScales + row &* (blocks / 2) &* 8)
        var u = UnsafeRawPointer(a.sums + row &* blocks)
        var accumulator = SIMD8<Float>()
        var offsets = SIMD2<Float>()
        for _ in 0..<(blocks / 2) {
            let (d, k) = pairHeaders(w, w + blockBytes, hasMin: hasMin)
            let n = nibblePair(w + header, w + blockBytes + header)
            accumulator.addProduct(pairProducts(n, x), d * s.loadUnaligned(as: SIMD8<Float>.self))
            // The offsets of a pair's two blocks as one fused multiply-add: a scalar sum would
            // be a chain of two dependent adds per pair, the loop's critical path.
            offsets.addProduct(k, u.loadUnaligned(as: SIMD2<Float>.self))
            w += 2 &* blockBytes
            x += 128
            s += 32
            u += 8
        }
        var total = treeSum(accumulator) + (offsets[0] + offsets[1])
        if blocks & 1 == 1 {
            addOddBlock(weights, blockBytes: blockBytes, hasMin: hasMin, a, row: row, columns: columns, blocks: blocks, into: &total)
        }
        return total
    }

    /// Four activation rows (`firstRow` a multiple of 4) against one weight row: each weight
    /// block is unpacked once, and the four rows' offsets share one 8-lane multiply-add over
    /// ``QuantizedActivations/groupSums`` (lanes `2r`, `2r+1` for row `r`: `dotQ4`'s two lanes).
    @inline(__always)
    static func dotQ4x4(
        _ weights: UnsafeRawPointer, blockBytes: Int, hasMin: Bool, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int
    ) -> SIMD4<Float> {
        let header = hasMin ? 4 : 2
        let pairs = blocks / 2
        let rowBytes = columns &* 2, scaleRowBytes = pairs &* 32
        var w = weights
        var x = UnsafeRawPointer(a.values + firstRow &* columns)
        var s = UnsafeRawPointer(a.pairScales + firstRow &* pairs &* 8)
        var u = UnsafeRawPointer(a.groupSums + firstRow / 4 &* pairs &* 8)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var offsets = SIMD8<Float>()
        for _ in 0..<pairs {
            let (d, k) = pairHeaders(w, w + blockBytes, hasMin: hasMin)
            let n = nibblePair(w + header, w + blockBytes + header)
            a0.addProduct(pairProducts(n, x), d * s.loadUnaligned(as: SIMD8<Float>.self))
            a1.addProduct(pairProducts(n, x + rowBytes), d * s.loadUnaligned(fromByteOffset: scaleRowBytes, as: SIMD8<Float>.self))
            a2.addProduct(pairProducts(n, x + 2 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 2 &* scaleRowBytes, as: SIMD8<Float>.self))
            a3.addProduct(pairProducts(n, x + 3 &* rowBytes), d * s.loadUnaligned(fromByteOffset: 3 &* scaleRowBytes, as: SIMD8<Float>.self))
            let k4 = SIMD4(lowHalf: k, highHalf: k)
            offsets.addProduct(SIMD8(lowHalf: k4, highHalf: k4), u.loadUnaligned(as: SIMD8<Float>.self))
            w += 2 &* blockBytes
            x += 128
            s += 32
            u += 32
        }
        var totals = SIMD4<Float>(treeSum(a0), treeSum(a1), treeSum(a2), treeSum(a3))
            + SIMD4(offsets[0] + offsets[1], offsets[2] + offsets[3], offsets[4] + offsets[5], offsets[6] + offsets[7])
        if blocks & 1 == 1 {
            for r in 0..<4 {
                addOddBlock(weights, blockBytes: blockBytes, hasMin: hasMin, a, row: firstRow + r, columns: columns, blocks: blocks, into: &totals[r])
            }
        }
        return totals
    }

    // MARK: Q8_0

    @inline(__always)
    static func byteLanes(_ packed: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let v = packed.loadUnaligned(as: SIMD16<Int16>.self)
        return ((v &<< 8) &>> 8, v &>> 8)
    }

    @inline(__always)
    static func byteProducts(_ w: (SIMD16<Int16>, SIMD16<Int16>), _ x: UnsafeRawPointer) -> SIMD8<Float> {
        widen(w.0 &* x.loadUnaligned(as: SIMD16<Int16>.self) &+ w.1 &* x.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int16>.self))
    }

    static func dotQ8(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int) -> Float {
        let x = UnsafeRawPointer(a.values + row * columns)
        let scales = a.scales + row * blocks
        var accumulator = SIMD8<Float>()
        for b in 0..<blocks {
            let block = weights + b * 34
            let d = Float(block.loadUnaligned(as: Float16.self))
            accumulator.addProduct(byteProducts(byteLanes(block + 2), x + b * 64), SIMD8(repeating: d * scales[b]))
        }
        return treeSum(accumulator)
    }

    static func dotQ8x4(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int) -> SIMD4<Float> {
        let x = UnsafeRawPointer(a.values + firstRow * columns)
        let rowBytes = columns * 2
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<blocks {
            let block = weights + b * 34
            let d = Float(block.loadUnaligned(as: Float16.self))
            let w = byteLanes(block + 2)
            let xb = x + b * 64
            a0.addProduct(byteProducts(w, xb), SIMD8(repeating: d * a.scales[firstRow * blocks + b]))
            a1.addProduct(byteProducts(w, xb + rowBytes), SIMD8(repeating: d * a.scales[(firstRow + 1) * blocks + b]))
            a2.addProduct(byteProducts(w, xb + 2 * rowBytes), SIMD8(repeating: d * a.scales[(firstRow + 2) * blocks + b]))
            a3.addProduct(byteProducts(w, xb + 3 * rowBytes), SIMD8(repeating: d * a.scales[(firstRow + 3) * blocks + b]))
        }
        return SIMD4(treeSum(a0), treeSum(a1), treeSum(a2), treeSum(a3))
    }

    /// A Q8_0 block against 16-bit activations, in the 32-bit lanes `vpmaddwd` leaves (lane `j`:
    /// elements `2j`, `2j+1`, `2j+16`, `2j+17`), as floats: at most 4·128·32767 < 2²⁴, so exact.
    /// The activations come as ``QuantizedActivations/wideLanes``, 32-bit and grouped to match.
    @inline(__always)
    static func wideSums(_ packed: UnsafeRawPointer, _ x: UnsafeRawPointer) -> SIMD8<Float> {
        let words = packed.loadUnaligned(as: SIMD16<Int16>.self)
        let even = (words &<< 8) &>> 8, odd = words &>> 8
        var lanes = SIMD8<Int32>(truncatingIfNeeded: even.lowHalf) &* x.loadUnaligned(as: SIMD8<Int32>.self)
        lanes &+= SIMD8<Int32>(truncatingIfNeeded: odd.lowHalf) &* x.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self)
        lanes &+= SIMD8<Int32>(truncatingIfNeeded: even.highHalf) &* x.loadUnaligned(fromByteOffset: 64, as: SIMD8<Int32>.self)
        lanes &+= SIMD8<Int32>(truncatingIfNeeded: odd.highHalf) &* x.loadUnaligned(fromByteOffset: 96, as: SIMD8<Int32>.self)
        return SIMD8<Float>(lanes)
    }

    /// `dotQ8` against 16-bit activations (the vocabulary projection).
    static func dotQ8Wide(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int, blocks: Int) -> Float {
        let x = UnsafeRawPointer(a.wideLanes + row * columns)
        let scales = a.wideScales + row * blocks
        var accumulator = SIMD8<Float>()
        for b in 0..<blocks {
            let block = weights + b * 34
            let d = Float(block.loadUnaligned(as: Float16.self))
            accumulator.addProduct(wideSums(block + 2, x + b * 128), SIMD8(repeating: d * scales[b]))
        }
        return treeSum(accumulator)
    }

    /// Four rows of `dotQ8Wide`, each computed in the same order as alone.
    static func dotQ8x4Wide(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int, blocks: Int) -> SIMD4<Float> {
        let x = UnsafeRawPointer(a.wideLanes + firstRow * columns), rowBytes = 4 * columns
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<blocks {
            let block = weights + b * 34
            let d = Float(block.loadUnaligned(as: Float16.self))
            let s = a.wideScales + firstRow * blocks + b
            let xb = x + b * 128
            a0.addProduct(wideSums(block + 2, xb), SIMD8(repeating: d * s[0]))
            a1.addProduct(wideSums(block + 2, xb + rowBytes), SIMD8(repeating: d * s[blocks]))
            a2.addProduct(wideSums(block + 2, xb + 2 * rowBytes), SIMD8(repeating: d * s[2 * blocks]))
            a3.addProduct(wideSums(block + 2, xb + 3 * rowBytes), SIMD8(repeating: d * s[3 * blocks]))
        }
        return SIMD4(treeSum(a0), treeSum(a1), treeSum(a2), treeSum(a3))
    }
}
