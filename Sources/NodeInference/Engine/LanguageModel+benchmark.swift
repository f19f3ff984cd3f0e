import Foundation

extension LanguageModel {
    /// Deterministic pseudo-random token ids, as llama-bench uses random tokens.
    func benchmarkTokens(_ count: Int) -> [Int] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let vocabulary = UInt64(model.configuration.vocabularySize)
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % vocabulary)
        }
    }

    /// Seconds to prefill `tokens` random tokens into an empty context.
    public func benchmarkPrefill(tokens count: Int) throws -> Double {
        let tokens = benchmarkTokens(count)
        let cache = model.makeCache(type: kvCacheType)
        let state = model.makeState(maxTokens: min(Self.prefillChunk, count), pool: pool, precision: precision)
        let start = DispatchTime.now().uptimeNanoseconds
        var position = 0
        while position < count {
            let end = min(count, position + state.maxTokens)
            try model.forward(tokens[position..<end], cache: cache, state: state)
            position = end
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Seconds to decode `tokens` tokens one at a time from an empty context.
    public func benchmarkDecode(tokens count: Int) throws -> Double {
        let tokens = benchmarkTokens(count)
        let cache = model.makeCache(type: kvCacheType)
        let state = model.makeState(maxTokens: 1, pool: pool, precision: precision)
        let start = DispatchTime.now().uptimeNanoseconds
        for token in tokens { try model.forward([token][...], cache: cache, state: state) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Seconds for `sequences` sequences to decode `tokens` tokens each, all in every step (a
    /// forward call of one token per sequence), as the batch engine runs them.
    public func benchmarkBatchDecode(sequences: Int, tokens count: Int) throws -> Double {
        let tokens = benchmarkTokens(count + sequences)
        let caches = (0..<sequences).map { _ in model.makeCache(type: kvCacheType) }
        let state = model.makeState(maxTokens: sequences, pool: pool, precision: precision)
        let start = DispatchTime.now().uptimeNanoseconds
        for step in 0..<count {
            let segments = caches.enumerated().map { index, cache in
                BatchSegment(tokens: [tokens[step + index]][...], cache: cache, logits: .last)
            }
            try model.forward(segments, state: state)
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
