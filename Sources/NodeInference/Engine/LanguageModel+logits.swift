extension LanguageModel {
    /// Logits at every position of `tokens` from an empty context, `(tokens.count, vocabulary)`
    /// row-major; for tests, echo logprobs and evaluation.
    public func logits(for tokens: [Int]) throws -> (logits: [Float], rows: Int) {
        let cache = model.makeCache(type: kvCacheType)
        let state = model.makeState(maxTokens: max(1, tokens.count), pool: pool, precision: precision)
        let rows = try model.forward(tokens[...], cache: cache, state: state, logits: .all)
        return (Array(UnsafeBufferPointer(start: state.logits, count: rows * model.configuration.vocabularySize)), rows)
    }
}
