/// Preallocated buffers for one forward call of up to `maxTokens` tokens. One owner at a time
/// (the generation loop); nothing here is allocated per token.
package final class LlamaRunState {
    package let maxTokens: Int
    package let workers: Int
    let x: UnsafeMutablePointer<Float>  // (maxTokens, dimension): the residual stream
    let xb: UnsafeMutablePointer<Float>  // (maxTokens, dimension)
    let q: UnsafeMutablePointer<Float>  // (maxTokens, queryDimension)
    let k: UnsafeMutablePointer<Float>  // (maxTokens, kvDimension)
    let v: UnsafeMutablePointer<Float>  // (maxTokens, kvDimension)
    let attention: UnsafeMutablePointer<Float>  // (maxTokens, queryDimension)
    let hidden: UnsafeMutablePointer<Float>  // (maxTokens, feedForwardDimension)
    let hidden2: UnsafeMutablePointer<Float>  // (maxTokens, feedForwardDimension)
    let scores: UnsafeMutablePointer<Float>  // (contextLength): one head's attention weights
    let ropeCos: UnsafeMutablePointer<Float>  // (ropeDimension / 2)
    let ropeSin: UnsafeMutablePointer<Float>  // (ropeDimension / 2)
    let matmulScratch: UnsafeMutablePointer<Float>  // (workers, tileRows, max(dimension, ffn, queryDimension))
    /// (logitRows, vocabularySize); grows only when a caller asks for logits of many positions.
    package private(set) var logits: UnsafeMutablePointer<Float>
    private(set) var logitRows: Int
    let vocabularySize: Int
    private let allocations: [UnsafeMutablePointer<Float>]

    package init(configuration c: LlamaConfiguration, maxTokens: Int = 64, workers: Int = 2) {
        self.maxTokens = max(1, maxTokens)
        self.workers = max(1, workers)
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
        scores = make(c.contextLength)
        ropeCos = make(c.ropeDimension / 2)
        ropeSin = make(c.ropeDimension / 2)
        let widest = max(c.dimension, c.feedForwardDimension, c.queryDimension)
        matmulScratch = make(self.workers * WeightMatrix.tileRows * widest)
        vocabularySize = c.vocabularySize
        logitRows = 1
        logits = make(c.vocabularySize)
        allocations = [x, xb, q, k, v, attention, hidden, hidden2, scores, ropeCos, ropeSin, matmulScratch]
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
        logits.deallocate()
    }

    func reserveLogits(rows: Int) {
        guard rows > logitRows else { return }
        logits.deallocate()
        logits = UnsafeMutablePointer<Float>.allocate(capacity: rows * vocabularySize)
        logitRows = rows
    }
}
