import Dispatch

/// A weight matrix `(rows, columns)` stored row-major in any supported tensor type, read in
/// place from the mapped model file: a quantized model is never expanded into an f32 copy.
/// Products dequantize tiles of rows into per-worker scratch and hand them to BLAS.
package struct WeightMatrix: @unchecked Sendable {
    // @unchecked: `base` points into an immutable mapping that the model keeps alive.
    package let rows: Int
    package let columns: Int
    package let type: TensorType
    package let base: UnsafeRawPointer
    package let rowBytes: Int

    package init(rows: Int, columns: Int, type: TensorType, base: UnsafeRawPointer) {
        self.rows = rows
        self.columns = columns
        self.type = type
        self.base = base
        self.rowBytes = type.byteCount(elements: columns) ?? 0
    }

    /// Rows dequantized per tile: small enough for L2 with the activations.
    static let tileRows = 64

    /// Dequantizes row `index` into `destination` (`columns` floats).
    package func dequantizeRow(_ index: Int, into destination: UnsafeMutablePointer<Float>) {
        Dequantize.row(type, from: base + index * rowBytes, into: destination, count: columns)
    }

    /// `output (m, rows) = input (m, columns) · selfᵀ`, split over `workers`.
    /// `scratch` holds `workers × tileRows × columns` floats.
    package func multiply(
        _ input: UnsafePointer<Float>, m: Int,
        into output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, workers: Int
    ) {
        if type == .f32 {
            multiplyF32(input, m: m, into: output, workers: workers)
            return
        }
        let tiles = (rows + Self.tileRows - 1) / Self.tileRows
        let workers = max(1, min(workers, tiles))
        // Workers write disjoint scratch tiles and disjoint output columns.
        let input = SharedPointer(UnsafeMutablePointer(mutating: input))
        let output = SharedPointer(output), scratch = SharedPointer(scratch)
        let body: @Sendable (Int) -> Void = { worker in
            let input = input.pointer, output = output.pointer
            let tileScratch = scratch.pointer + worker * Self.tileRows * columns
            var tile = worker
            while tile < tiles {
                let first = tile * Self.tileRows
                let count = min(Self.tileRows, rows - first)
                for row in 0..<count { dequantizeRow(first + row, into: tileScratch + row * columns) }
                if m == 1 {
                    for row in 0..<count {
                        output[first + row] = Kernels.dot(tileScratch + row * columns, input, count: columns)
                    }
                } else {
                    BLAS.gemmTransposedB(
                        m: m, n: count, k: columns, a: input, lda: columns,
                        b: tileScratch, ldb: columns, c: output + first, ldc: rows)
                }
                tile += workers
            }
        }
        if workers == 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: body)
        }
    }
}

extension WeightMatrix {
    /// f32 weights need no dequantization: each worker hands BLAS its own band of output columns.
    func multiplyF32(_ input: UnsafePointer<Float>, m: Int, into output: UnsafeMutablePointer<Float>, workers: Int) {
        let weights = base.assumingMemoryBound(to: Float.self)
        let workers = max(1, min(workers, rows / 16))
        let band = (rows + workers - 1) / workers
        let input = SharedPointer(UnsafeMutablePointer(mutating: input)), output = SharedPointer(output)
        let weightsPointer = SharedPointer(UnsafeMutablePointer(mutating: weights))
        let columns = self.columns, rows = self.rows
        let body: @Sendable (Int) -> Void = { worker in
            let first = worker * band
            let count = min(band, rows - first)
            guard count > 0 else { return }
            BLAS.gemmTransposedB(
                m: m, n: count, k: columns, a: input.pointer, lda: columns,
                b: weightsPointer.pointer + first * columns, ldb: columns, c: output.pointer + first, ldc: rows)
        }
        if workers == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
    }
}

/// A pointer handed to concurrent workers that touch disjoint parts of what it points to.
struct SharedPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
