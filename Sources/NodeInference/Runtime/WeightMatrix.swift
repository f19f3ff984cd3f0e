
/// A weight matrix `(rows, columns)` stored row-major in any supported tensor type, read in
/// place from the mapped model file: a quantized model is never expanded into an f32 copy.
/// Products dequantize tiles of rows into per-worker scratch and hand them to BLAS, or, for a
/// float matrix packed at load (``packedForProducts()``), run on its ``PackedPanels``.
package struct WeightMatrix: @unchecked Sendable {
    // @unchecked: `base` points into an immutable mapping that the model keeps alive.
    package let rows: Int
    package let columns: Int
    package let type: TensorType
    package let base: UnsafeRawPointer
    package let rowBytes: Int
    /// The matrix rearranged for products (``packedForProducts()``); `nil`: products read `base`.
    package private(set) var panels: PackedPanels?

    package init(rows: Int, columns: Int, type: TensorType, base: UnsafeRawPointer) {
        self.rows = rows
        self.columns = columns
        self.type = type
        self.base = base
        self.rowBytes = type.byteCount(elements: columns) ?? 0
    }

    /// This matrix with its products going through ``PackedPanels`` (an f32 copy made now), for
    /// float types (f32, f16, bf16); quantized types are returned as they are, since their
    /// integer kernels read the blocks in place. Rows are still read from `base`
    /// (``dequantizeRow(_:into:)``).
    package func packedForProducts() -> WeightMatrix {
        guard panels == nil, type == .f32 || type == .f16 || type == .bf16 else { return self }
        var packed = self
        packed.panels = PackedPanels(self)
        return packed
    }

    /// Rows dequantized per tile: small enough for L2 with the activations.
    package static let tileRows = 64

    /// Dequantizes row `index` into `destination` (`columns` floats).
    package func dequantizeRow(_ index: Int, into destination: UnsafeMutablePointer<Float>) {
        Dequantize.row(type, from: base + index * rowBytes, into: destination, count: columns)
    }

    /// `output (m, rows) = input (m, columns) · selfᵀ`, split over the pool's workers: up to 16
    /// rows through the integer kernels when `scratch` has room for them, otherwise one sgemm.
    package func multiply(_ input: UnsafePointer<Float>, m: Int, into output: UnsafeMutablePointer<Float>, scratch: ProductScratch) {
        let plan = scratch.quantized == nil ? RowPlan(integerRows: 0, groups: [m]) : RowPlan(rows: m)
        multiply(input, plan: plan, into: output, scratch: scratch)
    }

    /// `output (plan.count, rows) = input (plan.count, columns) · selfᵀ`, split over the pool's
    /// workers, each input row computed as the plan says.
    ///
    /// The plan's first `integerRows` rows (decoding steps) go through the integer kernels of
    /// ``QuantizedProduct`` when the type has one and `scratch` allows it: the weights are read
    /// once, in place. Otherwise each of those rows is a product of its own. The plan's groups
    /// (prompt pieces) dequantize tiles of weight rows into per-worker scratch once and multiply
    /// each group with them (``TileProduct``; `sgemm` for f32 weights, read in place), so the
    /// dequantization is amortized over every group.
    ///
    /// Every row's result depends only on the row and its group, never on the rest of the
    /// plan: sgemm's rounding depends on its `m`, so its groups are never merged (the tile
    /// kernel's rows are independent of each other, so its groups go in one call). That is
    /// what makes a sequence's output independent of the batch it runs in.
    ///
    /// `refined`: the integer rows need 16-bit activations (see ``QuantizedProduct``);
    /// types without such a kernel compute those rows in f32 instead.
    ///
    /// A packed matrix (``panels``) ignores the plan's split: all its rows go through
    /// ``PackedPanels``, whose per-row results never depend on the other rows.
    ///
    /// `sameInput`: the caller promises `input` holds what the previous product on `scratch`
    /// read (the query, key and value products of one norm output; gate and up): its quantized
    /// form is reused when it was made the same way.
    package func multiply(
        _ input: UnsafePointer<Float>, plan: RowPlan, into output: UnsafeMutablePointer<Float>, scratch: ProductScratch,
        refined: Bool = false, sameInput: Bool = false
    ) {
        let pool = scratch.pool
        if let panels {
            // Every row alike, whatever the plan: a row's result never depends on the others.
            let m = plan.count, ldc = self.rows
            // Four chunks per thread for a few rows; for many rows, two larger ones, so each
            // activation row read is used against more panels (batch32: median 372 against
            // 360 sentences/s, five alternated runs).
            let perChunk = max(1, panels.panelCount / ((m >= 64 ? 2 : 4) * pool.count))
            let input = SharedPointer(UnsafeMutablePointer(mutating: input)), output = SharedPointer(output)
            pool.run(chunks: (panels.panelCount + perChunk - 1) / perChunk) { chunk, _ in
                let first = chunk * perChunk
                panels.multiply(input.pointer, m: m, panels: first..<min(panels.panelCount, first + perChunk), into: output.pointer, ldc: ldc)
            }
            return
        }
        let integerRows = plan.integerRows
        var kernel: QuantizedActivations?
        if integerRows > 0, let quantized = scratch.quantized, QuantizedProduct.supports(type, refined: refined), integerRows <= quantized.rows,
            columns % 32 == 0, columns <= quantized.columns
        {
            let holding = QuantizedActivations.Contents(
                source: input, rows: integerRows, columns: columns, arrangement: QuantizedProduct.arrangement(for: type), refined: refined)
            if !sameInput || quantized.contents != holding {
                let arrangement = holding.arrangement, columns = self.columns
                if integerRows >= 4 && pool.count > 1 {
                    // Rows split over the pool: done on the caller alone, quantizing a step's
                    // rows left the other threads waiting (~5% of an 8-stream server's samples).
                    let source = SharedPointer(UnsafeMutablePointer(mutating: input)), parts = pool.count
                    pool.run(chunks: parts) { part, _ in
                        QuantizedProduct.quantize(
                            source.pointer, rows: (part * integerRows / parts)..<((part + 1) * integerRows / parts), columns: columns,
                            arrangement: arrangement, refine: refined, into: quantized)
                    }
                } else {
                    QuantizedProduct.quantize(input, m: integerRows, columns: columns, arrangement: arrangement, refine: refined, into: quantized)
                }
                quantized.contents = holding
            }
            kernel = quantized
        }
        let rows = self.rows, columns = self.columns
        // f32 weights need no scratch: a band per thread in place, fewer and larger sgemm calls.
        let tileRows = type == .f32 ? max(16, ((rows + pool.count - 1) / pool.count + 15) / 16 * 16) : Self.tileRows
        let tiles = (rows + tileRows - 1) / tileRows
        // Chunks of the work, claimed by whichever thread is free: first bands of weight rows
        // for the integer kernels (four per thread: long enough runs for the prefetchers, few
        // enough claims to cost nothing), then tiles of 64 weight rows for the groups.
        let band = max(64, (rows / (4 * pool.count) + 15) / 16 * 16)
        let integerChunks = kernel == nil ? 0 : (rows + band - 1) / band
        let singles = kernel == nil ? integerRows : 0
        let tileChunks = singles > 0 || !plan.groups.isEmpty ? tiles : 0
        let input = SharedPointer(UnsafeMutablePointer(mutating: input))
        let output = SharedPointer(output), floats = SharedPointer(scratch.floats)
        let matrix = self
        let groups = plan.groups, groupRows = groups.reduce(0, +)
        let tileKernel = type != .f32 && TileProduct.supports(columns: columns)
        // Chunks write disjoint output columns; each thread has its own scratch tile.
        pool.run(chunks: integerChunks + tileChunks) { chunk, worker in
            let input = input.pointer, output = output.pointer
            if let kernel, chunk < integerChunks {
                let first = chunk * band
                QuantizedProduct.multiply(
                    matrix, rows: first..<min(rows, first + band), activations: kernel, m: integerRows, refined: refined, into: output)
                return
            }
            let first = (chunk - integerChunks) * tileRows
            let count = min(tileRows, rows - first)
            let weights: UnsafePointer<Float>
            if matrix.type == .f32 {
                weights = matrix.base.assumingMemoryBound(to: Float.self) + first * columns
            } else {
                let tileScratch = floats.pointer + worker * tileRows * columns
                for row in 0..<count { matrix.dequantizeRow(first + row, into: tileScratch + row * columns) }
                weights = UnsafePointer(tileScratch)
            }
            for r in 0..<singles {
                BLAS.gemmTransposedB(
                    m: 1, n: count, k: columns, a: input + r * columns, lda: columns,
                    b: weights, ldb: columns, c: output + r * rows + first, ldc: rows)
            }
            if tileKernel {
                // Every group in one call: a row's result from TileProduct never depends on the
                // rows beside it, so groups need no keeping apart (sgemm's do), and a piece's
                // last rows share a register block with the next piece's instead of filling
                // one alone (a fresh chat prompt's 38- and 5-row pieces: 48 rows of work for
                // 43 when apart, 44 together).
                if groupRows > 0 {
                    TileProduct.multiply(
                        input + integerRows * columns, m: groupRows, tile: weights, n: count, k: columns,
                        into: output + integerRows * rows + first, ldc: rows)
                }
                return
            }
            var offset = integerRows
            for group in groups {
                BLAS.gemmTransposedB(
                    m: group, n: count, k: columns, a: input + offset * columns, lda: columns,
                    b: weights, ldb: columns, c: output + offset * rows + first, ldc: rows)
                offset += group
            }
        }
    }
}

/// How the rows of one product are computed: `integerRows` rows each on its own (decoding
/// steps), then consecutive groups, each one product on dequantized tiles (prompt pieces).
package struct RowPlan: Sendable, Equatable {
    package var integerRows: Int
    package var groups: [Int]

    package init(integerRows: Int, groups: [Int]) {
        self.integerRows = integerRows
        self.groups = groups
    }

    /// `m` rows of one chunk: integer kernels up to 16 rows, one sgemm group past that.
    package init(rows m: Int) {
        self.init(integerRows: m <= Self.integerLimit ? m : 0, groups: m <= Self.integerLimit ? [] : [m])
    }

    /// Most rows of one chunk that the integer kernels take; a longer chunk is an sgemm group,
    /// where dequantizing the weights costs less than reading them once per four rows.
    package static let integerLimit = 16

    package var count: Int { integerRows + groups.reduce(0, +) }
}

/// What a product needs besides its operands: the pool that runs it, float scratch for
/// dequantized tiles (`pool.count × tileRows × widest` floats) and, when the integer kernels may
/// be used, room for the quantized activations.
package struct ProductScratch {
    package let pool: WorkerPool
    package let floats: UnsafeMutablePointer<Float>
    package let quantized: QuantizedActivations?

    package init(pool: WorkerPool, floats: UnsafeMutablePointer<Float>, quantized: QuantizedActivations?) {
        self.pool = pool
        self.floats = floats
        self.quantized = quantized
    }
}

/// A pointer handed to concurrent workers that touch disjoint parts of what it points to.
struct SharedPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
