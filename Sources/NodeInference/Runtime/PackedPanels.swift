/// A float weight matrix rearranged once, at load, for products with any number of activation
/// rows: panels of 16 weight rows, each stored column by column (`panel[k][0..<16]`), which is
/// the order a register-blocked kernel reads them in.
///
/// `sgemm` packs its operands into such panels on every call. For an embedding model's
/// sentence (tens of rows) that packing cost more than the arithmetic: perf on the server
/// answering one sentence at a time showed OpenBLAS's `sgemm_incopy` at 38% of the samples and
/// its kernel at 28%. Packed once here, a product is the kernel alone: in a scratch harness on
/// the shapes of all-MiniLM-L6-v2 (one core) 20 rows ran at 65–75 GFLOP/s against sgemm's
/// 37–52, and 640 rows at 91–98 against 89–98.
///
/// Each output element is one chain of fused multiply-adds over `k` in order, whatever the
/// number of rows and whichever kernel (six or four rows) computed it: a row's result is bit for
/// bit the same alone or among others (`PackedPanelsTests`), and so is a sentence's embedding
/// (`EmbeddingReferenceTests`).
package final class PackedPanels: @unchecked Sendable {
    // @unchecked: `storage` is written only in `init`, read-only afterwards.
    package static let width = 16

    package let rows: Int
    package let columns: Int
    package let panelCount: Int
    private let storage: UnsafeMutablePointer<Float>

    /// Packs `matrix` (any type ``Dequantize`` reads), padding the last panel with zeros.
    package init(_ matrix: WeightMatrix) {
        rows = matrix.rows
        columns = matrix.columns
        panelCount = (rows + Self.width - 1) / Self.width
        let count = panelCount * Self.width * columns
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(1, count))
        let row = UnsafeMutablePointer<Float>.allocate(capacity: max(1, columns))
        defer { row.deallocate() }
        for panel in 0..<panelCount {
            let destination = storage + panel * Self.width * columns
            for lane in 0..<Self.width {
                let index = panel * Self.width + lane
                if index < rows {
                    matrix.dequantizeRow(index, into: row)
                    for k in 0..<columns { destination[k * Self.width + lane] = row[k] }
                } else {
                    for k in 0..<columns { destination[k * Self.width + lane] = 0 }
                }
            }
        }
    }

    deinit { storage.deallocate() }

    /// `output[r][16p ..< 16p + 16] = input[r] · rows 16p ..< 16p + 16` for every row `r < m` and
    /// panel `p` in `panels`; `output` rows are `ldc` floats apart, `input` rows `columns`.
    package func multiply(
        _ input: UnsafePointer<Float>, m: Int, panels: Range<Int>, into output: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var first = 0
        while first < m {
            let left = m - first
            // Six rows at a time (twelve accumulators, the register file's worth); a remainder
            // of one or two after sixes goes as two fours instead (8 = 4 + 4, not 6 + 2).
            let take = left >= 6 && !(left % 6 != 0 && left % 6 <= 2 && left >= 8) ? 6 : min(4, left)
            // Rows past `m` read the last row again and are not stored.
            func row(_ i: Int) -> UnsafePointer<Float> { input + min(first + i, m - 1) * columns }
            for panel in panels {
                let weights = UnsafePointer(storage + panel * Self.width * columns)
                let out = output + first * ldc + panel * Self.width
                let lanes = min(Self.width, rows - panel * Self.width)
                if take > 4 {
                    Self.six(weights, columns, row(0), row(1), row(2), row(3), row(4), row(5), out, ldc, take, lanes)
                } else {
                    Self.four(weights, columns, row(0), row(1), row(2), row(3), out, ldc, take, lanes)
                }
            }
            first += take
        }
    }

    private typealias Lane = SIMD8<Float>

    @inline(__always)
    private static func store(_ low: Lane, _ high: Lane, to out: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == width {
            UnsafeMutableRawPointer(out).storeBytes(of: low, as: Lane.self)
            UnsafeMutableRawPointer(out + 8).storeBytes(of: high, as: Lane.self)
        } else {
            for i in 0..<lanes { out[i] = i < 8 ? low[i] : high[i - 8] }
        }
    }

    private static func six(
        _ w: UnsafePointer<Float>, _ k: Int, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
        _ x3: UnsafePointer<Float>, _ x4: UnsafePointer<Float>, _ x5: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, _ ldc: Int, _ count: Int, _ lanes: Int
    ) {
        var a00 = Lane(), a01 = Lane(), a10 = Lane(), a11 = Lane(), a20 = Lane(), a21 = Lane()
        var a30 = Lane(), a31 = Lane(), a40 = Lane(), a41 = Lane(), a50 = Lane(), a51 = Lane()
        var p = w
        for i in 0..<k {
            let w0 = UnsafeRawPointer(p).loadUnaligned(as: Lane.self)
            let w1 = UnsafeRawPointer(p + 8).loadUnaligned(as: Lane.self)
            var b = Lane(repeating: x0[i])
            a00.addProduct(b, w0); a01.addProduct(b, w1)
            b = Lane(repeating: x1[i])
            a10.addProduct(b, w0); a11.addProduct(b, w1)
            b = Lane(repeating: x2[i])
            a20.addProduct(b, w0); a21.addProduct(b, w1)
            b = Lane(repeating: x3[i])
            a30.addProduct(b, w0); a31.addProduct(b, w1)
            b = Lane(repeating: x4[i])
            a40.addProduct(b, w0); a41.addProduct(b, w1)
            b = Lane(repeating: x5[i])
            a50.addProduct(b, w0); a51.addProduct(b, w1)
            p += width
        }
        store(a00, a01, to: out, lanes: lanes)
        if count > 1 { store(a10, a11, to: out + ldc, lanes: lanes) }
        if count > 2 { store(a20, a21, to: out + 2 * ldc, lanes: lanes) }
        if count > 3 { store(a30, a31, to: out + 3 * ldc, lanes: lanes) }
        if count > 4 { store(a40, a41, to: out + 4 * ldc, lanes: lanes) }
        if count > 5 { store(a50, a51, to: out + 5 * ldc, lanes: lanes) }
    }

    private static func four(
        _ w: UnsafePointer<Float>, _ k: Int, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
        _ x3: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ ldc: Int, _ count: Int, _ lanes: Int
    ) {
        var a00 = Lane(), a01 = Lane(), a10 = Lane(), a11 = Lane()
        var a20 = Lane(), a21 = Lane(), a30 = Lane(), a31 = Lane()
        var p = w
        for i in 0..<k {
            let w0 = UnsafeRawPointer(p).loadUnaligned(as: Lane.self)
            let w1 = UnsafeRawPointer(p + 8).loadUnaligned(as: Lane.self)
            var b = Lane(repeating: x0[i])
            a00.addProduct(b, w0); a01.addProduct(b, w1)
            b = Lane(repeating: x1[i])
            a10.addProduct(b, w0); a11.addProduct(b, w1)
            b = Lane(repeating: x2[i])
            a20.addProduct(b, w0); a21.addProduct(b, w1)
            b = Lane(repeating: x3[i])
            a30.addProduct(b, w0); a31.addProduct(b, w1)
            p += width
        }
        store(a00, a01, to: out, lanes: lanes)
        if count > 1 { store(a10, a11, to: out + ldc, lanes: lanes) }
        if count > 2 { store(a20, a21, to: out + 2 * ldc, lanes: lanes) }
        if count > 3 { store(a30, a31, to: out + 3 * ldc, lanes: lanes) }
    }
}
