import Foundation
import NodeInference
import Testing

/// Continuous batching and prefix reuse on the real model: a sequence's output at temperature
/// 0 does not depend on what else is in its batch, nor on what the prefix cache held.
@Suite("Continuous batching and prefix reuse", .serialized)
struct BatchingTests {
    static func model(prefixCache: Bool = true) throws -> LanguageModel {
        try RealModel.requireFile(RealModel.smolLM2, command: "make models")
        return try LanguageModel(path: RealModel.smolLM2, batch: BatchOptions(maxSequences: 8, prefixCacheBytes: prefixCache ? 64 << 20 : 0))
    }

    static func prompt(_ model: LanguageModel, _ text: String) -> [Int] {
        model.tokenizer.encode(text, parseSpecial: false, addSpecial: true)
    }

    static let story = String(repeating: "The river ran past the mill, and the miller's daughter counted the boats. ", count: 8)

    struct Run: Sendable {
        var ids: [Int] = []
        var logprobs: [Float] = []
        var cachedTokens = -1
        var reason: FinishReason?
    }

    static func run(_ model: LanguageModel, _ prompt: [Int], maxTokens: Int = 24, delay: Duration = .zero) async throws -> Run {
        if delay > .zero { try await Task.sleep(for: delay) }
        var sampling = SamplingParameters()
        sampling.temperature = 0
        var run = Run()
        for try await event in model.completions(CompletionJob(promptTokens: prompt, maxTokens: maxTokens, sampling: sampling, topLogprobs: 0)) {
            switch event {
            case .prompt(let cached): run.cachedTokens = cached
            case .delta(_, _, let token):
                if let token {
                    run.ids.append(token.token)
                    run.logprobs.append(token.logprob)
                }
            case .finished(_, let reason, _): run.reason = reason
            }
        }
        return run
    }

    @Test func outputDoesNotDependOnTheBatch() async throws {
        let model = try Self.model(prefixCache: false)
        let a = Self.prompt(model, Self.story + "In the evening the miller")
        let others = ["Once upon a time", "def fibonacci(n):", Self.story + Self.story, "The capital of France is"].map { Self.prompt(model, $0) }
        let alone = try await Self.run(model, a)
        // Long enough for a difference to show (the answer may end before max_tokens).
        #expect(alone.ids.count >= 16, "\(String(describing: alone.reason))")
        // The same request among others: started together, and joining a batch already decoding.
        async let together = Self.run(model, a)
        async let late = Self.run(model, a, delay: .milliseconds(120))
        try await withThrowingTaskGroup(of: Run.self) { group in
            for prompt in others { group.addTask { try await Self.run(model, prompt, maxTokens: 48) } }
            for try await _ in group {}
        }
        let (first, second) = try await (together, late)
        #expect(first.ids == alone.ids)
        #expect(second.ids == alone.ids)
        // The check means something only if the runs really shared steps. Counted by the
        // scheduler: a stream's reader can be starved while the batch runs (CI's other suites
        // share the two cores), and then sees the batch only after it shrank.
        #expect(model.peakBatch >= 3)
    }

    @Test func prefixReuseIsExact() async throws {
        let model = try Self.model()
        let cold = try Self.model(prefixCache: false)
        let prompt = Self.prompt(model, Self.story + "Who counted the boats?")
        let first = try await Self.run(model, prompt)
        #expect(first.cachedTokens == 0)
        // The same prompt again is taken whole from the cache, logits of its end included.
        let again = try await Self.run(model, prompt)
        #expect(again.cachedTokens == prompt.count)
        #expect(again.ids == first.ids)
        // Sampled too: the same seed draws the same tokens from the cached logits.
        var sampling = SamplingParameters()
        sampling.temperature = 0.9
        sampling.seed = 7
        sampling.logitBias = [0: -100, 2: -100]  // no end token: every choice runs its 16
        let seeded = CompletionJob(promptTokens: prompt, maxTokens: 16, sampling: sampling, choices: 2, topLogprobs: 0)
        let sampled = try await Self.ids(model, seeded)
        #expect(sampled.allSatisfy { $0.count == 16 })
        #expect(sampled == (try await Self.ids(cold, seeded)))
        // A different question after the same text reuses the shared whole chunks, and answers
        // exactly as a model without any cache does.
        let other = Self.prompt(model, Self.story + "Where did the river run?")
        let reused = try await Self.run(model, other)
        #expect(reused.cachedTokens > 0 && reused.cachedTokens % 64 == 0)
        let fresh = try await Self.run(cold, other)
        #expect(reused.ids == fresh.ids)
        #expect(reused.logprobs == fresh.logprobs)
    }

    /// Chat prompts share their system turn, or a conversation its earlier turns: the prefix
    /// is reused to the end of the last shared turn (not just to a multiple of 64), and the
    /// answers — tokens and log-probabilities, bit for bit — are those of a model without a cache.
    @Test func sharedTurnsAreReusedExactly() async throws {
        let model = try Self.model()
        let cold = try Self.model(prefixCache: false)
        func chat(_ text: String) -> [Int] { model.tokenizer.encode(text, parseSpecial: true, addSpecial: true) }
        let system = "<|im_start|>system\nYou are a careful assistant. You answer in one short sentence.<|im_end|>\n"
        func ask(_ question: String) -> String { "<|im_start|>user\n\(question)<|im_end|>\n<|im_start|>assistant\n" }
        let ends = model.tokenizer.endOfGenerationTokens
        let first = chat(system + ask("What is the capital of France?"))
        #expect(try await Self.run(model, first).cachedTokens == 0)

        let second = chat(system + ask("Who wrote the play Hamlet?"))
        // The system turn, through its end token (the newline after it starts the next piece).
        let systemTurn = second.firstIndex(where: ends.contains)! + 1
        #expect(systemTurn % 64 != 0 && Array(first[..<systemTurn]) == Array(second[..<systemTurn]))
        let reused = try await Self.run(model, second)
        #expect(reused.cachedTokens == systemTurn)
        let fresh = try await Self.run(cold, second)
        #expect(reused.ids == fresh.ids)
        #expect(reused.logprobs == fresh.logprobs)

        // The next turn of the first conversation: reused through the first question's turn.
        let followUp = chat(system + ask("What is the capital of France?") + "The capital of France is Paris.<|im_end|>\n" + ask("And of Italy?"))
        let lastTurnEnd = first.lastIndex(where: ends.contains)! + 1
        #expect(lastTurnEnd > systemTurn && Array(followUp[..<lastTurnEnd]) == Array(first[..<lastTurnEnd]))
        let next = try await Self.run(model, followUp)
        #expect(next.cachedTokens == lastTurnEnd)
        let nextFresh = try await Self.run(cold, followUp)
        #expect(next.ids == nextFresh.ids)
        #expect(next.logprobs == nextFresh.logprobs)
    }

    /// Every choice's tokens of `job`, in order of choice.
    static func ids(_ model: LanguageModel, _ job: CompletionJob) async throws -> [[Int]] {
        var ids = [[Int]](repeating: [], count: max(1, job.choices))
        for try await event in model.completions(job) {
            if case .delta(let choice, _, let token) = event, let token { ids[choice].append(token.token) }
        }
        return ids
    }

    /// Past the KV budget a job waits for the running ones instead of joining them.
    @Test func theKVBudgetHoldsNewJobsBack() async throws {
        try RealModel.requireFile(RealModel.smolLM2, command: "make models")
        let model = try LanguageModel(path: RealModel.smolLM2, batch: BatchOptions(maxSequences: 8, prefixCacheBytes: 0, kvCacheBytes: 1))
        let prompts = ["Once upon a time", "The capital of France is", "def fibonacci(n):"].map { Self.prompt(model, $0) }
        try await withThrowingTaskGroup(of: Run.self) { group in
            for prompt in prompts { group.addTask { try await Self.run(model, prompt, maxTokens: 16) } }
            for try await run in group { #expect(run.reason != nil) }
        }
        #expect(model.peakBatch == 1)
    }

    @Test func cancelledJobsLeaveTheBatch() async throws {
        let model = try Self.model(prefixCache: false)
        let prompt = Self.prompt(model, "Once upon a time")
        var sampling = SamplingParameters()
        sampling.temperature = 0
        // The stream is dropped when this function returns: the consumer is gone.
        func readThree() async throws {
            var seen = 0
            for try await event in model.completions(CompletionJob(promptTokens: prompt, maxTokens: 4000, sampling: sampling)) {
                if case .delta = event { seen += 1 }
                if seen == 3 { break }
            }
            #expect(model.batchLoad.running == 1)
        }
        try await readThree()
        // Ending the stream frees the sequence and its cache within a step.
        var waited = 0
        while (model.batchLoad.running > 0 || model.kvCacheUsage.allocatedBytes > 0) && waited < 200 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(model.batchLoad.running == 0)
        #expect(model.kvCacheUsage.allocatedBytes == 0)
    }
}
