import Foundation

extension LanguageModel {
    /// Runs a completion job synchronously on the caller's thread, reporting through `emit`.
    /// `isCancelled` is polled before every token; when it turns true the job stops at once.
    public func complete(_ job: CompletionJob, isCancelled: () -> Bool = { false }, emit: (CompletionEvent) -> Void) throws {
        let prompt = job.promptTokens
        guard !prompt.isEmpty else { throw ModelError.invalidConfiguration("the prompt has no tokens") }
        guard prompt.count < contextLength else { throw ModelError.contextOverflow(positions: prompt.count, contextLength: contextLength) }
        let vocabulary = model.configuration.vocabularySize
        let promptCache = model.makeCache()
        let state = model.makeState(maxTokens: min(Self.prefillChunk, prompt.count), workers: threads)
        var start = 0
        while start < prompt.count {
            if isCancelled() { return }
            let end = min(prompt.count, start + state.maxTokens)
            try model.forward(prompt[start..<end], cache: promptCache, state: state)
            start = end
        }
        let promptLogits = Array(UnsafeBufferPointer(start: state.logits, count: vocabulary))
        var work = [Float](repeating: 0, count: vocabulary)

        choices: for choice in 0..<max(1, job.choices) {
            let cache = choice == job.choices - 1 ? promptCache : promptCache.copy()
            var sampler = Sampler(parameters: job.sampling, promptTokens: prompt, seedOffset: UInt64(choice))
            var detokenizer = StreamingDetokenizer()
            var stopMatcher = StopMatcher(stops: job.stops)
            var generated = 0
            var reason = FinishReason.length
            work = promptLogits
            generation: while generated < job.maxTokens, cache.count < contextLength {
                if isCancelled() { return }
                let logprobs = job.topLogprobs.map { top in Self.logprobs(work, top: top) }
                let token = work.withUnsafeMutableBufferPointer { sampler.next($0) }
                if tokenizer.endOfGenerationTokens.contains(token) {
                    reason = .stop
                    break
                }
                generated += 1
                var info = logprobs?(token, tokenizer)
                if info != nil { info?.bytes = tokenizer.bytes(of: token) }
                switch stopMatcher.append(detokenizer.append(tokenizer.bytes(of: token))) {
                case .text(let text):
                    emit(.delta(choice: choice, text: text, token: info))
                case .stopped(let text):
                    emit(.delta(choice: choice, text: text, token: info))
                    emit(.finished(choice: choice, reason: .stop, completionTokens: generated))
                    continue choices
                }
                guard generated < job.maxTokens, cache.count < contextLength else { break generation }
                try model.forward([token][...], cache: cache, state: state)
                work.withUnsafeMutableBufferPointer { $0.baseAddress?.update(from: state.logits, count: vocabulary) }
            }
            var rest = detokenizer.flush()
            if case .stopped(let text) = stopMatcher.append(rest) {
                emit(.delta(choice: choice, text: text, token: nil))
                emit(.finished(choice: choice, reason: .stop, completionTokens: generated))
                continue choices
            }
            rest = stopMatcher.flush()
            if !rest.isEmpty { emit(.delta(choice: choice, text: rest, token: nil)) }
            emit(.finished(choice: choice, reason: reason, completionTokens: generated))
        }
    }

    /// Log-softmax of the raw logits: a function giving a token's logprob and the `top` best.
    static func logprobs(_ logits: [Float], top: Int) -> (Int, any Tokenizer) -> TokenLogprobs {
        let maximum = logits.max() ?? 0
        var sum: Double = 0
        for value in logits { sum += exp(Double(value - maximum)) }
        let logSum = Float(log(sum)) + maximum
        var best: [(Int, Float)] = []
        if top > 0 {
            for (index, value) in logits.enumerated() where best.count < top || value > best[best.count - 1].1 {
                let position = best.firstIndex { value > $0.1 } ?? best.count
                best.insert((index, value), at: position)
                if best.count > top { best.removeLast() }
            }
        }
        return { token, tokenizer in
            TokenLogprobs(
                token: token, bytes: tokenizer.bytes(of: token), logprob: logits[token] - logSum,
                top: best.map { ($0.0, tokenizer.bytes(of: $0.0), $0.1 - logSum) })
        }
    }
}
