/// Integer kernels for the K-quant super-blocks (256 weights): Q4_K, Q5_K and Q6_K, against
/// the same 8-bit activations per block of 32 as Q8_0 (arranged as sixteen even then sixteen
/// odd elements, in 16-bit lanes).
///
/// A super-block's 32-byte runs are read as sixteen 16-bit lanes, so lane `j` holds bytes `2j`
/// and `2j + 1`: masks and shifts give a block's even and odd elements directly, with no
/// shuffles. Per block of 32:
/// - Q4_K / Q5_K: quants 0…15 (0…31 with Q5_K's fifth bit), one 6-bit scale and one 6-bit min
///   per block; the min meets the activations' scaled sum outside the integer product.
/// - Q6_K: quants −32…31 (the offset is taken in the lanes), an 8-bit scale per 16 elements:
///   after widening, lanes 0–3 hold the first 16 elements' sums and lanes 4–7 the others'.
///
/// Products stay in 16 bits: 31·127·2 and 32·127·2 are under 2¹⁵. A row's arithmetic is the
/// same whether it is computed alone or with three others (batch invariance).
extension QuantizedProduct {
    @inline(__always)
    static func lanes(_ pointer: UnsafeRawPointer) -> SIMD16<UInt16> {
        pointer.loadUnaligned(as: SIMD16<UInt16>.self)
    }

    @inline(__always)
    static func signed(_ v: SIMD16<UInt16>) -> SIMD16<Int16> { unsafeBitCast(v, to: SIMD16<Int16>.self) }

    /// The eight blocks' scales `d·scale` and offsets `−dmin·min` of a Q4_K/Q5_K super-block.
    @inline(__always)
    static func scalesQ45K(_ superblock: UnsafeRawPointer) -> (SIMD8<Float>, SIMD8<Float>) {
        let d = Float(superblock.loadUnaligned(as: Float16.self))
        let dmin = Float(superblock.loadUnaligned(fromByteOffset: 2, as: Float16.self))
        var scales = SIMD8<Float>(), mins = SIMD8<Float>()
        for k in 0..<8 {
            let (scale, min) = Dequantize.scaleMin(superblock + 4, k)
            scales[k] = d * scale
            mins[k] = -dmin * min
        }
        return (scales, mins)
    }

    /// Accumulators of up to four activation rows: integer sums times scales, and min terms.
    struct KRows {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var o0 = SIMD8<Float>(), o1 = SIMD8<Float>(), o2 = SIMD8<Float>(), o3 = SIMD8<Float>()

        var totals: SIMD4<Float> {
            SIMD4(a0.sum(), a1.sum(), a2.sum(), a3.sum()) + SIMD4(o0.sum(), o1.sum(), o2.sum(), o3.sum())
        }
    }

    /// One row's share of one block: `Σ even·x_even + odd·x_odd`, widened, times `scale·dx`.
    @inline(__always)
    static func kRow(
        _ accumulator: inout SIMD8<Float>, _ even: SIMD16<Int16>, _ odd: SIMD16<Int16>, _ scale: SIMD8<Float>,
        _ x: UnsafeRawPointer, _ dx: Float
    ) {
        let s = even &* x.loadUnaligned(as: SIMD16<Int16>.self) &+ odd &* x.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int16>.self)
        accumulator.addProduct(widenExactly(s), scale * dx)
    }

    /// `widen`, with the conversion to floats done by hand: the generic SIMD conversion stayed
    /// a function call per block in these kernels. The sums are under 2¹⁵ in magnitude, so
    /// adding them to the bits of 1.5·2²³ and subtracting it back is exact.
    @inline(__always)
    static func widenExactly(_ s: SIMD16<Int16>) -> SIMD8<Float> {
        let w = unsafeBitCast(s, to: SIMD8<Int32>.self)
        let sums = ((w &<< 16) &>> 16) &+ (w &>> 16)
        let magic = SIMD8<Int32>(repeating: 0x4B40_0000)
        return unsafeBitCast(sums &+ magic, to: SIMD8<Float>.self) - SIMD8<Float>(repeating: 12_582_912)
    }

    /// Block `b`'s unpacked quants into `count` (1 or 4) rows, each in the same order.
    @inline(__always)
    static func kBlock(
        _ rows: inout KRows, count: Int, _ even: SIMD16<Int16>, _ odd: SIMD16<Int16>, _ scale: SIMD8<Float>,
        _ a: QuantizedActivations, firstRow: Int, b: Int, columns: Int
    ) {
        let blocks = columns / 32
        let x = UnsafeRawPointer(a.values + firstRow * columns) + b * 64, rowBytes = columns * 2
        let dx = a.scales + firstRow * blocks + b
        kRow(&rows.a0, even, odd, scale, x, dx[0])
        if count == 4 {
            kRow(&rows.a1, even, odd, scale, x + rowBytes, dx[blocks])
            kRow(&rows.a2, even, odd, scale, x + 2 * rowBytes, dx[2 * blocks])
            kRow(&rows.a3, even, odd, scale, x + 3 * rowBytes, dx[3 * blocks])
        }
    }

    /// A Q4_K/Q5_K super-block's min terms, `offsets · sums` of its eight blocks, into each row.
    @inline(__always)
    static func kMinimums(_ rows: inout KRows, count: Int, _ offsets: SIMD8<Float>, _ a: QuantizedActivations, firstRow: Int, b: Int, columns: Int) {
        let blocks = columns / 32
        let sums = UnsafeRawPointer(a.sums + firstRow * blocks + b), rowBytes = blocks * 4
        rows.o0.addProduct(offsets, sums.loadUnaligned(as: SIMD8<Float>.self))
        if count == 4 {
            rows.o1.addProduct(offsets, sums.loadUnaligned(fromByteOffset: rowBytes, as: SIMD8<Float>.self))
            rows.o2.addProduct(offsets, sums.loadUnaligned(fromByteOffset: 2 * rowBytes, as: SIMD8<Float>.self))
            rows.o3.addProduct(offsets, sums.loadUnaligned(fromByteOffset: 3 * rowBytes, as: SIMD8<Float>.self))
        }
    }

    /// `count` (1 or 4) activation rows from `firstRow` against one Q4_K (`fifth` false) or
    /// Q5_K weight row. Each block's quants are unpacked once for all the rows.
    @inline(__always)
    static func dotQ45K(
        _ weights: UnsafeRawPointer, fifth: Bool, _ a: QuantizedActivations, firstRow: Int, count: Int, columns: Int
    ) -> SIMD4<Float> {
        var rows = KRows()
        let mask = SIMD16<UInt16>(repeating: 0x000F), one = SIMD16<UInt16>(repeating: 1)
        let superBytes = fifth ? 176 : 144
        for sb in 0..<(columns / 256) {
            let p = weights + sb * superBytes
            let (factors, offsets) = scalesQ45K(p)
            let qs = p + (fifth ? 48 : 16)
            // Q5_K's fifth bits: bit k of byte l belongs to element l of block k.
            var h = fifth ? lanes(p + 16) : SIMD16<UInt16>()
            for chunk in 0..<4 {
                // A chunk's 32 bytes: low nibbles are its first block, high nibbles its second.
                let v = lanes(qs + 32 * chunk)
                var e0 = v & mask, d0 = (v &>> 8) & mask, e1 = (v &>> 4) & mask, d1 = v &>> 12
                if fifth {
                    e0 |= (h & one) &<< 4
                    d0 |= ((h &>> 8) & one) &<< 4
                    e1 |= ((h &>> 1) & one) &<< 4
                    d1 |= ((h &>> 9) & one) &<< 4
                    h = h &>> 2
                }
                let b = sb * 8 + 2 * chunk
                kBlock(&rows, count: count, signed(e0), signed(d0), SIMD8(repeating: factors[2 * chunk]), a, firstRow: firstRow, b: b, columns: columns)
                kBlock(&rows, count: count, signed(e1), signed(d1), SIMD8(repeating: factors[2 * chunk + 1]), a, firstRow: firstRow, b: b + 1, columns: columns)
            }
            kMinimums(&rows, count: count, offsets, a, firstRow: firstRow, b: sb * 8, columns: columns)
        }
        return rows.totals
    }

    /// Part `part` (0..<4) of a Q6_K half: quants 0…63 less 32, a scale per 16 elements.
    @inline(__always)
    static func q6Block(
        _ rows: inout KRows, count: Int, _ even: SIMD16<UInt16>, _ odd: SIMD16<UInt16>, _ d: Float, _ sc: UnsafeRawPointer, _ part: Int,
        _ a: QuantizedActivations, firstRow: Int, b: Int, columns: Int
    ) {
        let offset = SIMD16<Int16>(repeating: 32)
        let first = d * Float(sc.load(fromByteOffset: 2 * part, as: Int8.self))
        let second = d * Float(sc.load(fromByteOffset: 2 * part + 1, as: Int8.self))
        kBlock(
            &rows, count: count, signed(even) &- offset, signed(odd) &- offset,
            SIMD8(lowHalf: SIMD4(repeating: first), highHalf: SIMD4(repeating: second)), a, firstRow: firstRow, b: b, columns: columns)
    }

    /// `count` (1 or 4) activation rows from `firstRow` against one Q6_K weight row.
    @inline(__always)
    static func dotQ6K(_ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, count: Int, columns: Int) -> SIMD4<Float> {
        var rows = KRows()
        let mask = SIMD16<UInt16>(repeating: 0x000F), three = SIMD16<UInt16>(repeating: 3)
        for sb in 0..<(columns / 256) {
            let p = weights + sb * 210
            let d = Float(p.loadUnaligned(fromByteOffset: 208, as: Float16.self))
            for half in 0..<2 {
                // Blocks 0/1 of a half: low nibbles of ql[0..<32] / ql[32..<64]; blocks 2/3:
                // their high nibbles. qh gives two high bits per block.
                let l0 = lanes(p + 64 * half), l1 = lanes(p + 64 * half + 32), h = lanes(p + 128 + 32 * half)
                let sc = p + 192 + 8 * half
                let b = sb * 8 + 4 * half
                q6Block(&rows, count: count, (l0 & mask) | ((h & three) &<< 4), ((l0 &>> 8) & mask) | (((h &>> 8) & three) &<< 4),
                        d, sc, 0, a, firstRow: firstRow, b: b, columns: columns)
                q6Block(&rows, count: count, (l1 & mask) | (((h &>> 2) & three) &<< 4), ((l1 &>> 8) & mask) | (((h &>> 10) & three) &<< 4),
                        d, sc, 1, a, firstRow: firstRow, b: b + 1, columns: columns)
                q6Block(&rows, count: count, ((l0 &>> 4) & mask) | (((h &>> 4) & three) &<< 4), (l0 &>> 12) | (((h &>> 12) & three) &<< 4),
                        d, sc, 2, a, firstRow: firstRow, b: b + 2, columns: columns)
                q6Block(&rows, count: count, ((l1 &>> 4) & mask) | (((h &>> 6) & three) &<< 4), (l1 &>> 12) | ((h &>> 14) &<< 4),
                        d, sc, 3, a, firstRow: firstRow, b: b + 3, columns: columns)
            }
        }
        return rows.totals
    }

    static func dotK1(_ type: TensorType, _ weights: UnsafeRawPointer, _ a: QuantizedActivations, row: Int, columns: Int) -> Float {
        switch type {
        case .q6_K: dotQ6K(weights, a, firstRow: row, count: 1, columns: columns)[0]
        case .q5_K: dotQ45K(weights, fifth: true, a, firstRow: row, count: 1, columns: columns)[0]
        default: dotQ45K(weights, fifth: false, a, firstRow: row, count: 1, columns: columns)[0]
        }
    }

    static func dotK4(_ type: TensorType, _ weights: UnsafeRawPointer, _ a: QuantizedActivations, firstRow: Int, columns: Int) -> SIMD4<Float> {
        switch type {
        case .q6_K: dotQ6K(weights, a, firstRow: firstRow, count: 4, columns: columns)
        case .q5_K: dotQ45K(weights, fifth: true, a, firstRow: firstRow, count: 4, columns: columns)
        default: dotQ45K(weights, fifth: false, a, firstRow: firstRow, count: 4, columns: columns)
        }
    }
}
