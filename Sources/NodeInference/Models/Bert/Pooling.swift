/// How token states become one sentence vector (sentence-transformers' `1_Pooling/config.json`).
package enum Pooling: String, Sendable, Equatable {
    case mean, cls, max, lastToken

    /// Pools rows `[start, start + count)` of `states (rows, dimension)`.
    package func pool(_ states: UnsafePointer<Float>, start: Int, count: Int, dimension: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        guard count > 0 else { return vector }
        switch self {
        case .cls:
            for i in 0..<dimension { vector[i] = states[start * dimension + i] }
        case .lastToken:
            for i in 0..<dimension { vector[i] = states[(start + count - 1) * dimension + i] }
        case .mean:
            for row in start..<(start + count) {
                for i in 0..<dimension { vector[i] += states[row * dimension + i] }
            }
            for i in 0..<dimension { vector[i] /= Float(count) }
        case .max:
            for i in 0..<dimension { vector[i] = -.infinity }
            for row in start..<(start + count) {
                for i in 0..<dimension { vector[i] = Swift.max(vector[i], states[row * dimension + i]) }
            }
        }
        return vector
    }
}
