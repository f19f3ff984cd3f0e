import Foundation

extension LanguageModel {
    /// For each prompt token, its log-probability given the tokens before it (teacher forcing)
    /// and the `top` likeliest alternatives there; the first token has none. Runs in chunks so
    /// a long prompt never holds more than one chunk of logits. Always in f32 products: these
    /// are reported numbers, where 8-bit activations' error (~1% of the logit range) would show.
    public func promptLogprobs(_ tokens: [Int], top: Int) throws -> [TokenLogprobs?] {
        guard !tokens.isEmpty else { return [] }
        guard tokens.count <= contextLength else { throw ModelError.contextOverflow(positions: tokens.count, contextLength: contextLength) }
        let vocabulary = model.configuration.vocabularySize
        let cache = model.makeCache()
        let state = model.makeState(maxTokens: min(LlamaRunState.chunk, tokens.count), pool: pool, precision: .float32)
        var result: [TokenLogprobs?] = [nil]
        var start = 0
        while start < tokens.count {
            let end = min(tokens.count, start + state.maxTokens)
            let rows = try model.forward(tokens[start..<end], cache: cache, state: state, logits: .all)
            for row in 0..<rows where start + row + 1 < tokens.count {
                let logits = Array(UnsafeBufferPointer(start: state.logits + row * vocabulary, count: vocabulary))
                result.append(ChoiceDecoder.logprobs(logits, top: top)(tokens[start + row + 1], tokenizer))
            }
            start = end
        }
        return result
    }
}
