import Foundation
import NodeInference
import Testing

/// The Hugging Face path (config.json, sharded safetensors in F32/F16/BF16, NeoX RoPE with
/// llama3 and linear scaling, Qwen2 biases, tied and separate heads) on tiny random-weight
/// checkpoints, against the numpy reference.
@Suite("Tiny safetensors checkpoints against the numpy reference")
struct TinyModelTests {
    /// With an f32 KV cache within 1e-4 of the logit range (f32 against f64); with the f16
    /// cache that q8 precision uses by default, within 1e-3 (keys and values rounded to 11
    /// significant bits).
    @Test(arguments: [("tiny-llama", KVCacheType.f32), ("tiny-qwen2", .f32), ("tiny-llama", .f16), ("tiny-qwen2", .f16)])
    func logitsMatch(_ name: String, kvCache: KVCacheType) throws {
        let (path, referenceFolder) = RealModel.tiny(name)
        try RealModel.requireFile(path + "/config.json", command: "make reference")
        let model = try LanguageModel(path: path, threads: 1, kvCache: kvCache)
        let tolerance: Float = kvCache == .f32 ? 1e-4 : 1e-3
        let reference = try RealModel.reference(referenceFolder)
        for (index, prompt) in reference.prompts.enumerated() {
            let expected = try RealModel.referenceLogits(prompt: index, folder: referenceFolder)
            let (logits, rows) = try model.logits(for: prompt.ids)
            #expect(rows == prompt.ids.count)
            let vocabulary = reference.vocabulary
            var worst: Float = 0
            for position in 0..<rows {
                let theirs = expected[(position * vocabulary)..<((position + 1) * vocabulary)]
                let range = (theirs.max() ?? 0) - (theirs.min() ?? 0)
                for (offset, value) in theirs.enumerated() {
                    worst = max(worst, abs(logits[position * vocabulary + offset] - value) / range)
                }
            }
            // As for the GGUF model: the same stored values, f32 against f64.
            #expect(worst <= tolerance, "\(name) (\(kvCache)) prompt \(index): worst difference \(worst) of the logit range")
        }
    }

    @Test func tokenizerJSONMatchesPython() throws {
        let path = RealModel.root.appendingPathComponent(".cache/reference/tokenizer.json").path
        try RealModel.requireFile(path, command: "make reference")
        struct Reference: Decodable {
            struct Case: Decodable { var text: String; var ids: [Int] }
            var folders: [String: [Case]]
        }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let cases = try #require(reference.folders["tiny-llama"])
        #expect(cases.count >= 60)
        let tokenizer = try ModelRegistry.loadTokenizer(path: RealModel.tiny("tiny-llama").model)
        for item in cases {
            let ids = tokenizer.encode(item.text, parseSpecial: true, addSpecial: true)
            #expect(ids == item.ids, "\(item.text.debugDescription)")
            #expect(tokenizer.decode(ids) == item.text.precomposedStringWithCanonicalMapping, "\(item.text.debugDescription)")
        }
    }

    @Test func unsupportedArchitectureIsNamed() throws {
        let folder = TestFiles.url("arch")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = #"{"model_type": "gpt_neox", "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 1, "vocab_size": 8}"#
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect(throws: ModelError.unsupportedArchitecture("gpt_neox")) { try LanguageModel(path: folder.path) }
        try Data(#"{"model_type": "llama", "hidden_size": "wide"}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
        do {
            _ = try LanguageModel(path: folder.path)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("hidden_size"))
        }
    }
}
