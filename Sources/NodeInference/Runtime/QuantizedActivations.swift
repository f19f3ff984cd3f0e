/// Scratch for activations quantized for ``QuantizedProduct``: up to `rows` rows of up to
/// `columns` values, with a scale and a scaled sum per block of 32.
package final class QuantizedActivations {
    package let rows: Int
    package let columns: Int

    /// What the buffer was last filled from, so that a product on the same input can skip
    /// quantizing it again.
    struct Contents: Equatable {
        var source: UnsafePointer<Float>
        var rows: Int
        var columns: Int
        var arrangement: QuantizedProduct.Arrangement
        var refined: Bool
    }

    var contents: Contents?
    let values: UnsafeMutablePointer<Int16>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
    /// 16-bit activations (``QuantizedProduct/quantizeWide``): in order, for the AVX2 kernels;
    /// widened to 32 bits and grouped per block as even then odd elements of 0–15, then of
    /// 16–31, for the portable ones; and their block scales.
    let wide: UnsafeMutablePointer<Int16>
    let wideLanes: UnsafeMutablePointer<Int32>
    let wideScales: UnsafeMutablePointer<Float>
    /// `values` again as bytes, in the order the AVX2 kernels read them (see
    /// ``QuantizedProduct/byteOffset(of:block:blocks:arrangement:)``); written only in builds
    /// with those kernels (`CYXWIZ_AVX2`).
    let bytes: UnsafeMutablePointer<Int8>
    /// For 4-bit weights, per row and pair of blocks: the pair's two scales, each repeated
    /// over the four lanes its block has in the pair's products.
    let pairScales: UnsafeMutablePointer<Float>
    /// For 4-bit weights, per group of four rows and pair of blocks: the four rows' two sums,
    /// row by row, so one 8-lane multiply-add takes all four rows' offsets.
    let groupSums: UnsafeMutablePointer<Float>

    package init(rows: Int, columns: Int) {
        self.rows = max(1, rows)
        self.columns = max(32, (columns + 31) / 32 * 32)
        values = .allocate(capacity: self.rows * self.columns)
        values.initialize(repeating: 0, count: self.rows * self.columns)
        scales = .allocate(capacity: self.rows * self.columns / 32)
        scales.initialize(repeating: 0, count: self.rows * self.columns / 32)
        sums = .allocate(capacity: self.rows * self.columns / 32)
        sums.initialize(repeating: 0, count: self.rows * self.columns / 32)
        wide = .allocate(capacity: self.rows * self.columns)
        wide.initialize(repeating: 0, count: self.rows * self.columns)
        wideLanes = .allocate(capacity: self.rows * self.columns)
        wideLanes.initialize(repeating: 0, count: self.rows * self.columns)
        wideScales = .allocate(capacity: self.rows * self.columns / 32)
        wideScales.initialize(repeating: 0, count: self.rows * self.columns / 32)
        bytes = .allocate(capacity: self.rows * self.columns)
        bytes.initialize(repeating: 0, count: self.rows * self.columns)
        pairScales = .allocate(capacity: self.rows * self.columns / 8)
        pairScales.initialize(repeating: 0, count: self.rows * self.columns / 8)
        let groups = (self.rows + 3) / 4
        groupSums = .allocate(capacity: groups * self.columns / 8)
        groupSums.initialize(repeating: 0, count: groups * self.columns / 8)
    }

    deinit {
        values.deallocate()
        scales.deallocate()
        sums.deallocate()
        wide.deallocate()
        wideLanes.deallocate()
        wideScales.deallocate()
        bytes.deallocate()
        pairScales.deallocate()
        groupSums.deallocate()
    }
}
