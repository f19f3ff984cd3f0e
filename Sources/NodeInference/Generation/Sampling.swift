/// Token choice from logits. Greedy only for now; sampling transforms come with the
/// chat-completions work.
package enum Sampling {
    /// Index of the largest logit (the first one on ties).
    package static func argmax(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for i in 0..<count where logits[i] > bestValue {
            best = i
            bestValue = logits[i]
        }
        return best
    }
}
