import Foundation

/// One choice's way from a distribution to text: logprobs, sampling, the streaming
/// detokenizer, stop strings and the finish rules. The generation loop feeds it the logits of
/// each step and forwards the token it returns; it never sees the model.
struct ChoiceDecoder {
    let choice: Int
    private var sampler: Sampler
    private var detokenizer = StreamingDetokenizer()
    private var stopMatcher: StopMatcher
    private(set) var generated = 0
    private let maxTokens: Int
    private let topLogprobs: Int?
    /// (vocabularySize): the step's logits, which sampling transforms in place.
    private var work: [Float]

    init(job: CompletionJob, choice: Int, vocabularySize: Int) {
        self.choice = choice
        sampler = Sampler(parameters: job.sampling, promptTokens: job.promptTokens, seedOffset: UInt64(choice))
        stopMatcher = StopMatcher(stops: job.stops)
        maxTokens = job.maxTokens
        topLogprobs = job.topLogprobs
        work = [Float](repeating: 0, count: vocabularySize)
    }

    enum Outcome: Equatable {
        /// The token was emitted; forward it to get the next distribution.
        case forward(Int)
        case finished
    }

    /// Samples from `logits` (`vocabularySize` values), emits what the token releases and
    /// says whether to go on. `positions`: what the sequence holds before this token.
    mutating func next(
        logits: UnsafePointer<Float>, positions: Int, contextLength: Int, tokenizer: any Tokenizer, emit: (CompletionEvent) -> Void
    ) -> Outcome {
        guard generated < maxTokens, positions < contextLength else {
            finish(.length, emit: emit)
            return .finished
        }
        work.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: logits, count: $0.count) }
        let logprobs = topLogprobs.map { top in Self.logprobs(work, top: top) }
        let token = work.withUnsafeMutableBufferPointer { sampler.next($0) }
        if tokenizer.endOfGenerationTokens.contains(token) {
            finish(.stop, emit: emit)
            return .finished
        }
        generated += 1
        let info = logprobs?(token, tokenizer)
        switch stopMatcher.append(detokenizer.append(tokenizer.bytes(of: token))) {
        case .text(let text):
            emit(.delta(choice: choice, text: text, token: info))
        case .stopped(let text):
            emit(.delta(choice: choice, text: text, token: info))
            emit(.finished(choice: choice, reason: .stop, completionTokens: generated))
            return .finished
        }
        guard generated < maxTokens, positions < contextLength else {
            finish(.length, emit: emit)
            return .finished
        }
        return .forward(token)
    }

    /// Releases what the detokenizer and the stop matcher hold back, then the finish event.
    mutating func finish(_ reason: FinishReason, emit: (CompletionEvent) -> Void) {
        var rest = detokenizer.flush()
        if case .stopped(let text) = stopMatcher.append(rest) {
            emit(.delta(choice: choice, text: text, token: nil))
            emit(.finished(choice: choice, reason: .stop, completionTokens: generated))
            return
        }
        rest = stopMatcher.flush()
        if !rest.isEmpty { emit(.delta(choice: choice, text: rest, token: nil)) }
        emit(.finished(choice: choice, reason: reason, completionTokens: generated))
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
