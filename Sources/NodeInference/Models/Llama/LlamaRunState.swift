/// Preallocated buffers for one forward call of up to `maxTokens` tokens. One owner at a time
/// (the generation loop); nothing here is allocated per token.
package final class LlamaRunState {
    package let maxTokens: Int
    /// How the products of a forward call run: pool, tile scratch, quantized activations.
    package let products: ProductScratch
    let x: UnsafeMutablePointer<Float>  // (maxTokens, dimension): the residual stream
    let xb: UnsafeMutablePointer<Float>  // (maxTokens, dimension)
    let q: UnsafeMutablePointer<Float>  // (maxTokens, queryDimension)
    let k: UnsafeMutablePointer<Float>  // (maxTokens, kvDimension)
    let v: UnsafeMutablePointer<Float>  // (maxTokens, kvDimension)
    let attention: UnsafeMutablePointer<Float>  // (maxTokens, queryDimension)
    let hidden: UnsafeMutablePointer<Float>  // (maxTokens, feedForwardDimension)
    let hidden2: UnsafeMutablePointer<Float>  // (maxTokens, feedForwardDimension)
    let scores: UnsafeMutablePointer<Float>  // (workers, group, contextLength): a key/value head's query heads' attention weights per worker
    let chunkScores: UnsafeMutablePointer<Float>  // (workers, chunk, contextLength): a prompt chunk's, per worker
    let cacheFloats: UnsafeMutablePointer<Float>  // (workers, 2, contextLength, headDimension): an f16 cache's head widened, per worker
    let ropeCos: UnsafeMutablePointer<Float>  // (maxTokens, ropeDimension / 2)
    let ropeSin: UnsafeMutablePointer<Float>  // (maxTokens, ropeDimension / 2)
    let matmulScratch: UnsafeMutablePointer<Float>  // (workers, tileRows, max(dimension, ffn, queryDimension))

    // The layout of the current call (see `lay(out:)`), each `(maxTokens)`.
    let rowOfToken: UnsafeMutablePointer<Int>  // the row of each token, segments' tokens one after another
    let rowPosition: UnsafeMutablePointer<Int>  // the position of each row in its sequence
    let rowSegment: UnsafeMutablePointer<Int>  // the segment of each row
    let logitSource: UnsafeMutablePointer<Int>  // the row of each logits row
    private(set) var segmentOffset: [Int] = []  // where each segment's tokens start in `rowOfToken`
    private(set) var plan = RowPlan(integerRows: 0, groups: [])
    private(set) var groupStarts: [Int] = []  // the first row of each of the plan's groups
    /// Where prompts are cut into pieces.
    package let pieces: PromptPieces

    /// Prompts are computed in pieces (``PromptPieces``) that end at least at every multiple of
    /// this position, so that a piece's rows fit one step. A piece's rows go through one group
    /// (a single row: the integer kernels), so a position's keys and values come out the same
    /// whatever else runs in the step — and a prefix cached up to a piece end is exactly what
    /// computing it again would give.
    package static let chunk = 64
    /// (logitRows, vocabularySize); grows only when a caller asks for logits of many positions.
    package private(set) var logits: UnsafeMutablePointer<Float>
    private(set) var logitRows: Int
    let vocabularySize: Int
    private let allocations: [UnsafeMutablePointer<Float>]

    package init(
        configuration c: LlamaConfiguration, maxTokens: Int = 64, pool: WorkerPool, precision: MatmulPrecision, pieces: PromptPieces = PromptPieces()
    ) {
        self.maxTokens = max(1, maxTokens)
        self.pieces = pieces
        let t = self.maxTokens
        func make(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            pointer.initialize(repeating: 0, count: max(1, count))
            return pointer
        }
        x = make(t * c.dimension)
        xb = make(t * c.dimension)
        q = make(t * c.queryDimension)
        k = make(t * c.kvDimension)
        v = make(t * c.kvDimension)
        attention = make(t * c.queryDimension)
        hidden = make(t * c.feedForwardDimension)
        hidden2 = make(t * c.feedForwardDimension)
        scores = make(pool.count * (c.headCount / c.kvHeadCount) * c.contextLength)
        // Written before read, and mostly never touched (a chunk uses `chunk × its positions`),
        // so left uninitialized: its pages cost memory only once a long prompt uses them.
        chunkScores = .allocate(capacity: pool.count * Self.chunk * c.contextLength)
        // Likewise: touched only up to the positions of the prompts an f16 cache widens.
        cacheFloats = .allocate(capacity: pool.count * 2 * c.contextLength * c.headDimension)
        ropeCos = make(t * c.ropeDimension / 2)
        ropeSin = make(t * c.ropeDimension / 2)
        func makeIndex() -> UnsafeMutablePointer<Int> {
            let pointer = UnsafeMutablePointer<Int>.allocate(capacity: t)
            pointer.initialize(repeating: 0, count: t)
            return pointer
        }
        rowOfToken = makeIndex()
        rowPosition = makeIndex()
        rowSegment = makeIndex()
        logitSource = makeIndex()
        let widest = max(c.dimension, c.feedForwardDimension, c.queryDimension)
        matmulScratch = make(pool.count * WeightMatrix.tileRows * widest)
        let quantized = precision == .quantizedActivations
            ? QuantizedActivations(rows: self.maxTokens, columns: widest) : nil
        products = ProductScratch(pool: pool, floats: matmulScratch, quantized: quantized)
        vocabularySize = c.vocabularySize
        logitRows = 1
        logits = make(c.vocabularySize)
        allocations = [x, xb, q, k, v, attention, hidden, hidden2, scores, chunkScores, cacheFloats, ropeCos, ropeSin, matmulScratch]
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
        for pointer in [rowOfToken, rowPosition, rowSegment, logitSource] { pointer.deallocate() }
        logits.deallocate()
    }

    /// Assigns rows to the segments' tokens: each segment's tokens are split into ``pieces``;
    /// single-token pieces (decoding steps) take the first rows, computed row by row; longer
    /// pieces follow, one group (a product on dequantized tiles) each.
    func lay(out segments: [BatchSegment]) {
        var integerRows = 0
        var groups: [Int] = []
        let rowByRow = PromptPieces.rowByRowLimit
        for segment in segments {
            pieces.split(segment.tokens, start: segment.cache.count) { _, length in
                if length <= rowByRow { integerRows += length } else { groups.append(length) }
            }
        }
        var nextInteger = 0, nextGroup = integerRows, flat = 0
        segmentOffset.removeAll(keepingCapacity: true)
        for (s, segment) in segments.enumerated() {
            segmentOffset.append(flat)
            let start = segment.cache.count
            pieces.split(segment.tokens, start: start) { offset, length in
                var row: Int
                if length <= rowByRow {
                    row = nextInteger
                    nextInteger += length
                } else {
                    row = nextGroup
                    nextGroup += length
                }
                for t in offset..<(offset + length) {
                    rowOfToken[flat + t] = row
                    rowPosition[row] = start + t
                    rowSegment[row] = s
                    row += 1
                }
            }
            flat += segment.tokens.count
        }
        plan = RowPlan(integerRows: integerRows, groups: groups)
        groupStarts.removeAll(keepingCapacity: true)
        var first = integerRows
        for length in groups {
            groupStarts.append(first)
            first += length
        }
    }

    func reserveLogits(rows: Int) {
        guard rows > logitRows else { return }
        logits.deallocate()
        logits = UnsafeMutablePointer<Float>.allocate(capacity: rows * vocabularySize)
        logitRows = rows
    }
}
