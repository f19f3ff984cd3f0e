import Foundation

/// Chooses tokens from logits. Owns its random generator (seedable); one per choice, owned
/// by the generation loop. Each transform is a separate static function, tested on its own.
package struct Sampler: Sendable {
    package let parameters: SamplingParameters
    private var random: Xoshiro256
    /// How often each token was generated, for presence and frequency penalties.
    private var generatedCounts: [Int: Int] = [:]
    /// Tokens of the prompt and output, for the repetition penalty.
    private var seen: Set<Int>

    package init(parameters: SamplingParameters, promptTokens: [Int], seedOffset: UInt64 = 0) {
        self.parameters = parameters
        var system = SystemRandomNumberGenerator()
        self.random = Xoshiro256(seed: (parameters.seed ?? system.next()) &+ seedOffset &* 0x9E37_79B9_7F4A_7C15)
        self.seen = parameters.repetitionPenalty != 1 ? Set(promptTokens) : []
    }

    /// Chooses the next token; `logits` (the model's raw output) is modified in place.
    package mutating func next(_ logits: UnsafeMutableBufferPointer<Float>) -> Int {
        Self.applyLogitBias(logits, parameters.logitBias)
        Self.applyPenalties(logits, counts: generatedCounts, presence: parameters.presencePenalty, frequency: parameters.frequencyPenalty)
        Self.applyRepetitionPenalty(logits, seen: seen, penalty: parameters.repetitionPenalty)
        let token: Int
        if parameters.temperature <= 0 {
            token = Self.argmax(logits)
        } else {
            var candidates = Self.candidates(logits, temperature: parameters.temperature)
            Self.keepTopK(&candidates, parameters.topK)
            Self.keepTopP(&candidates, parameters.topP)
            Self.keepMinP(&candidates, parameters.minP)
            token = Self.draw(candidates, using: &random)
        }
        generatedCounts[token, default: 0] += 1
        if parameters.repetitionPenalty != 1 { seen.insert(token) }
        return token
    }

    /// A token and its probability after temperature.
    package struct Candidate: Equatable, Sendable {
        package var token: Int
        package var probability: Float

        package init(token: Int, probability: Float) {
            self.token = token
            self.probability = probability
        }
    }

    package static func argmax(_ logits: UnsafeMutableBufferPointer<Float>) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }

    package static func applyLogitBias(_ logits: UnsafeMutableBufferPointer<Float>, _ bias: [Int: Float]) {
        for (token, value) in bias where logits.indices.contains(token) {
            logits[token] = value <= -100 ? -.infinity : logits[token] + value
        }
    }

    package static func applyPenalties(_ logits: UnsafeMutableBufferPointer<Float>, counts: [Int: Int], presence: Float, frequency: Float) {
        guard presence != 0 || frequency != 0 else { return }
        for (token, count) in counts where logits.indices.contains(token) {
            logits[token] -= Float(count) * frequency + (count > 0 ? presence : 0)
        }
    }

    package static func applyRepetitionPenalty(_ logits: UnsafeMutableBufferPointer<Float>, seen: Set<Int>, penalty: Float) {
        guard penalty != 1, penalty > 0 else { return }
        for token in seen where logits.indices.contains(token) {
            logits[token] = logits[token] > 0 ? logits[token] / penalty : logits[token] * penalty
        }
    }

    /// Softmax at `temperature` over the tokens that can matter: those within 30·T of the best
    /// logit (the rest together hold less than 1e-8 of the probability), sorted by probability.
    package static func candidates(_ logits: UnsafeMutableBufferPointer<Float>, temperature: Float) -> [Candidate] {
        let maximum = logits.max() ?? 0
        guard maximum.isFinite else { return [Candidate(token: argmax(logits), probability: 1)] }
        let floor = maximum - 30 * temperature
        var candidates: [Candidate] = []
        var total: Float = 0
        for i in logits.indices where logits[i] >= floor {
            let weight = expf((logits[i] - maximum) / temperature)
            candidates.append(Candidate(token: i, probability: weight))
            total += weight
        }
        for i in candidates.indices { candidates[i].probability /= total }
        candidates.sort { $0.probability > $1.probability || ($0.probability == $1.probability && $0.token < $1.token) }
        return candidates
    }

    package static func keepTopK(_ candidates: inout [Candidate], _ k: Int) {
        guard k > 0, candidates.count > k else { return }
        candidates.removeLast(candidates.count - k)
        renormalize(&candidates)
    }

    package static func keepTopP(_ candidates: inout [Candidate], _ p: Float) {
        guard p < 1, !candidates.isEmpty else { return }
        var sum: Float = 0
        var keep = candidates.count
        for (index, candidate) in candidates.enumerated() {
            sum += candidate.probability
            if sum >= p {
                keep = index + 1
                break
            }
        }
        candidates.removeLast(candidates.count - keep)
        renormalize(&candidates)
    }

    package static func keepMinP(_ candidates: inout [Candidate], _ minP: Float) {
        guard minP > 0, let best = candidates.first?.probability else { return }
        candidates.removeAll { $0.probability < minP * best }
        renormalize(&candidates)
    }

    static func renormalize(_ candidates: inout [Candidate]) {
        let total = candidates.reduce(0) { $0 + $1.probability }
        guard total > 0 else { return }
        for i in candidates.indices { candidates[i].probability /= total }
    }

    static func draw(_ candidates: [Candidate], using random: inout Xoshiro256) -> Int {
        guard let first = candidates.first else { return 0 }
        let threshold = Float(random.nextUnit())
        var sum: Float = 0
        for candidate in candidates {
            sum += candidate.probability
            if threshold < sum { return candidate.token }
        }
        return candidates.last?.token ?? first.token
    }
}

/// xoshiro256** seeded through SplitMix64: small, fast, and the same sequence on every machine.
/// Follows https://prng.di.unimi.it/xoshiro256starstar.c.
package struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    package init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    package mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    package mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
