import Foundation
import NodeInference
import Testing

/// Our forward pass against the independent numpy one (Scripts/reference_llama.py) on the real
/// SmolLM2-135M Q4_1 file: the same dequantized weights, f32 here against f64 there.
@Suite("Llama forward pass against the numpy reference", .serialized)
struct LlamaReferenceTests {
    static let model: Result<LlamaModel, any Error> = Result {
        try RealModel.requireFile(RealModel.smolLM2, command: "make models")
        return try ModelRegistry.loadDecoder(gguf: GGUFFile(path: RealModel.smolLM2))
    }

    /// Logits at every position of every prompt, in one forward call per prompt.
    /// Tolerance: both sides use the same dequantized weights, so the only difference is f32
    /// against f64 arithmetic; measured here at about 2e-6 of the logit range. We allow 1e-4 of
    /// the range (50x headroom, still far below what a wrong kernel or RoPE produces, which is
    /// order 1) and require the same argmax wherever the reference's top-2 margin exceeds it.
    @Test func logitsMatchAtEveryPosition() throws {
        let model = try Self.model.get()
        let reference = try RealModel.reference()
        #expect(reference.vocabulary == model.configuration.vocabularySize)
        for (index, prompt) in reference.prompts.enumerated() {
            let expected = try RealModel.referenceLogits(prompt: index)
            let vocabulary = reference.vocabulary
            let state = model.makeState(maxTokens: prompt.ids.count, precision: .float32)
            let rows = try model.forward(prompt.ids[...], cache: model.makeCache(), state: state, logits: .all)
            #expect(rows == prompt.ids.count)
            var worst: Float = 0
            for position in 0..<rows {
                let ours = UnsafeBufferPointer(start: state.logits + position * vocabulary, count: vocabulary)
                let theirs = expected[(position * vocabulary)..<((position + 1) * vocabulary)]
                let range = (theirs.max() ?? 0) - (theirs.min() ?? 0)
                var difference: Float = 0
                for (a, b) in zip(ours, theirs) { difference = max(difference, abs(a - b)) }
                worst = max(worst, difference / range)
                let sorted = theirs.sorted(by: >)
                if sorted[0] - sorted[1] > 1e-4 * range {
                    #expect(ours.indices.max { ours[$0] < ours[$1] } == theirs.indices.max { theirs[$0] < theirs[$1] }.map { $0 - theirs.startIndex })
                }
            }
            #expect(worst <= 1e-4, "prompt \(index): worst difference \(worst) of the logit range")
            print("prompt \(index): \(rows) positions, worst logit difference \(worst) of the range")
        }
    }

    /// Greedy decoding through the KV cache (one token per forward call) reproduces the
    /// reference's continuation, compared up to the first step whose top-2 margin is under
    /// 0.05 nats (there, f32 rounding may legitimately pick the other token).
    @Test func greedyContinuationMatches() throws {
        let model = try Self.model.get()
        let reference = try RealModel.reference()
        var compared = 0
        for prompt in reference.prompts {
            let cache = model.makeCache()
            let state = model.makeState(maxTokens: prompt.ids.count, precision: .float32)
            try model.forward(prompt.ids[...], cache: cache, state: state)
            var generated: [Int] = []
            for step in 0..<prompt.greedy.count {
                guard prompt.margins[step] >= 0.05 else { break }
                let logits = UnsafeBufferPointer(start: state.logits, count: model.configuration.vocabularySize)
                let next = logits.indices.max { logits[$0] < logits[$1] } ?? -1
                generated.append(next)
                #expect(next == prompt.greedy[step], "\(prompt.prompt.debugDescription) step \(step)")
                guard next == prompt.greedy[step] else { break }
                compared += 1
                try model.forward([next][...], cache: cache, state: state)
            }
        }
        #expect(compared >= 64, "compared only \(compared) tokens")
        print("greedy: \(compared) tokens agree with the reference")
    }

    @Test func badInputsAreErrorsNotTraps() throws {
        let model = try Self.model.get()
        let state = model.makeState(maxTokens: 4)
        #expect(throws: ModelError.tokenOutOfRange(token: 49152, vocabularySize: 49152)) {
            try model.forward([1, 49152][...], cache: model.makeCache(), state: state)
        }
        #expect(throws: ModelError.tokenOutOfRange(token: -1, vocabularySize: 49152)) {
            try model.forward([-1][...], cache: model.makeCache(), state: state)
        }
        #expect(throws: ModelError.self) { try model.forward([1, 2, 3, 4, 5][...], cache: model.makeCache(), state: state) }
    }
}
