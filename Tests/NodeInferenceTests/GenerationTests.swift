import Foundation
import NodeInference
import Testing

@Suite("Greedy generation on the real model", .serialized)
struct GenerationTests {
    static let model: Result<LanguageModel, any Error> = Result {
        try RealModel.requireFile(RealModel.smolLM2, command: "make models")
        return try LanguageModel(path: RealModel.smolLM2)
    }

    static func greedy(_ prompt: [Int], maxTokens: Int) -> CompletionJob {
        var sampling = SamplingParameters()
        sampling.temperature = 0
        // topLogprobs 0 makes each event carry its token id.
        return CompletionJob(promptTokens: prompt, maxTokens: maxTokens, sampling: sampling, topLogprobs: 0)
    }

    func collect(_ model: LanguageModel, _ job: CompletionJob) async throws -> ([Int], String, CompletionEvent?) {
        var ids: [Int] = []
        var text = ""
        var last: CompletionEvent?
        for try await event in model.completions(job) {
            switch event {
            case .prompt: continue
            case .delta(_, let piece, let token):
                if let token { ids.append(token.token) }
                text += piece
            case .finished:
                last = event
            }
        }
        return (ids, text, last)
    }

    /// With f32 products (the reference's arithmetic), for exact greedy agreement.
    static let floatModel: Result<LanguageModel, any Error> = Result {
        try RealModel.requireFile(RealModel.smolLM2, command: "make models")
        return try LanguageModel(path: RealModel.smolLM2, precision: .float32)
    }

    /// The loop reproduces the reference's greedy tokens and stops at the model's end-of-turn
    /// token, which it does not emit.
    @Test func stopsAtEndOfGeneration() async throws {
        let model = try Self.floatModel.get()
        let reference = try RealModel.reference().prompts[0]
        let endIndex = try #require(reference.greedy.firstIndex { model.tokenizer.endOfGenerationTokens.contains($0) })
        let (ids, text, last) = try await collect(model, Self.greedy(reference.ids, maxTokens: 64))
        #expect(ids == Array(reference.greedy[..<endIndex]))
        #expect(text == model.tokenizer.decode(ids))
        #expect(text.hasPrefix(" Paris"))
        #expect(last == .finished(choice: 0, reason: .stop, completionTokens: endIndex))
    }

    @Test func stopsAtMaxTokens() async throws {
        let model = try Self.model.get()
        let prompt = model.tokenizer.encode("Once upon a time", parseSpecial: false, addSpecial: true)
        let (ids, _, last) = try await collect(model, Self.greedy(prompt, maxTokens: 3))
        #expect(ids.count == 3)
        #expect(last == .finished(choice: 0, reason: .length, completionTokens: 3))
    }

    /// KV memory is counted while a generation runs and given back when it ends.
    @Test func kvCacheUsageIsCountedAndFreed() throws {
        try RealModel.requireFile(RealModel.smolLM2, command: "make models")
        let model = try LanguageModel(path: RealModel.smolLM2)  // its own: others' generations would count
        #expect(model.kvCacheUsage.allocatedBytes == 0)
        var during = 0
        try model.complete(Self.greedy([504, 3575, 282, 4649, 314], maxTokens: 3)) { _ in
            during = max(during, model.kvCacheUsage.allocatedBytes)
        }
        // 30 layers × 256 positions × 192 (3 KV heads of 64) × keys and values × 2 bytes (f16,
        // the default with q8 precision).
        #expect(model.kvCacheType == .f16)
        #expect(during == 30 * 256 * 192 * 2 * 2)
        #expect(model.kvCacheUsage.allocatedPositions == 0)
        #expect(model.kvCacheUsage.allocatedBytes == 0)
    }

    @Test func badPromptsAreErrors() async throws {
        let model = try Self.model.get()
        await #expect(throws: ModelError.self) { _ = try await collect(model, Self.greedy([], maxTokens: 4)) }
        await #expect(throws: ModelError.tokenOutOfRange(token: 1 << 20, vocabularySize: 49152)) {
            _ = try await collect(model, Self.greedy([1 << 20], maxTokens: 4))
        }
        let tooLong = [Int](repeating: 28, count: model.contextLength)
        await #expect(throws: ModelError.contextOverflow(positions: model.contextLength, contextLength: model.contextLength)) {
            _ = try await collect(model, Self.greedy(tooLong, maxTokens: 4))
        }
    }
}

@Suite("Completion jobs on the real model", .serialized)
struct CompletionJobTests {
    func run(_ job: CompletionJob) throws -> [Int: (text: String, reason: FinishReason?, count: Int)] {
        let model = try GenerationTests.model.get()
        var result: [Int: (text: String, reason: FinishReason?, count: Int)] = [:]
        try model.complete(job) { event in
            switch event {
            case .prompt: break
            case .delta(let choice, let text, _): result[choice, default: ("", nil, 0)].text += text
            case .finished(let choice, let reason, let count):
                result[choice, default: ("", nil, 0)].reason = reason
                result[choice, default: ("", nil, 0)].count = count
            }
        }
        return result
    }

    /// Temperature 0 gives the greedy reference's text, up to the end-of-turn token.
    @Test func temperatureZeroIsTheGreedyReference() throws {
        let model = try GenerationTests.model.get()
        let reference = try RealModel.reference().prompts[3]
        var sampling = SamplingParameters()
        sampling.temperature = 0
        let result = try run(CompletionJob(promptTokens: reference.ids, maxTokens: 16, sampling: sampling))
        #expect(result[0]?.text == model.tokenizer.decode(Array(reference.greedy.prefix(16))))
        #expect(result[0]?.reason == .length)
    }

    @Test func sameSeedSameTextAtTemperature08() throws {
        var sampling = SamplingParameters()
        sampling.temperature = 0.8
        sampling.seed = 1234
        let prompt = [504, 3575, 282, 4649, 314]
        let first = try run(CompletionJob(promptTokens: prompt, maxTokens: 24, sampling: sampling, choices: 2))
        let second = try run(CompletionJob(promptTokens: prompt, maxTokens: 24, sampling: sampling, choices: 2))
        #expect(first[0]?.text == second[0]?.text)
        #expect(first[1]?.text == second[1]?.text)
        #expect(first[0]?.text != first[1]?.text)
    }

    @Test func stopStringEndsTheChoiceWithoutShowingIt() throws {
        var sampling = SamplingParameters()
        sampling.temperature = 0
        // The greedy continuation of prompt 0 is " Paris.\n\nThe answer is: ..."
        let result = try run(CompletionJob(promptTokens: [504, 3575, 282, 4649, 314], maxTokens: 20, sampling: sampling, stops: [".\n\nThe"]))
        #expect(result[0]?.text == " Paris")
        #expect(result[0]?.reason == .stop)
    }

    @Test func cancellationStopsAtOnce() throws {
        let model = try GenerationTests.model.get()
        var events = 0
        try model.complete(CompletionJob(promptTokens: [504, 3575], maxTokens: 100), isCancelled: { events >= 3 }) { _ in events += 1 }
        #expect(events == 3)
    }
}

@Suite("Chat and streaming from the library", .serialized)
struct LibraryChatTests {
    @Test func chatPromptUsesTheBundledTemplate() throws {
        let model = try GenerationTests.model.get()
        let tokens = try model.chatPrompt([ChatMessage(role: .user, text: "Hi")])
        let text = model.tokenizer.decode(tokens)
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(tokens.first == 1)  // <|im_start|> as one special token
    }

    @Test func cancellingTheConsumerStopsGeneration() async throws {
        let model = try GenerationTests.model.get()
        let task = Task {
            var count = 0
            for try await event in model.completions(CompletionJob(promptTokens: [504, 3575], maxTokens: 2000)) {
                if case .delta = event { count += 1 }
                if count == 2 { break }
            }
            return count
        }
        #expect(try await task.value == 2)
    }
}
