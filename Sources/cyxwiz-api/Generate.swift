import ArgumentParser
import Foundation
import NodeInference

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a prompt with a model (greedy) and stream the text to standard output."
    )

    @Option(name: .long, help: "A GGUF model file, or a Hugging Face model folder.")
    var model: String

    @Option(name: .long, help: "The text to continue (special-token text is parsed).")
    var prompt: String

    @Flag(name: .long, help: "Treat the prompt as one user turn, rendered with the model's chat template.")
    var chat = false

    @Option(name: .long, help: "The most tokens to generate.")
    var maxTokens: Int = 128

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "How decoding products compute: q8 (8-bit activations, as llama.cpp) or f32.")
    var precision: MatmulPrecision = .quantizedActivations

    @Option(name: .customLong("kv-cache"), help: "How the KV cache stores keys and values: f16 or f32 (default: f16 with q8, f32 with f32).")
    var kvCache: KVCacheType?

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let languageModel = try loadLanguageModel(model, threads: threads, precision: precision, kvCache: kvCache)
        let tokens: [Int]
        if chat {
            do {
                tokens = try languageModel.chatPrompt([ChatMessage(role: .user, text: prompt)])
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
        } else {
            tokens = languageModel.tokenizer.encode(prompt, parseSpecial: true, addSpecial: true)
        }
        var greedy = SamplingParameters()
        greedy.temperature = 0
        do {
            for try await event in languageModel.completions(CompletionJob(promptTokens: tokens, maxTokens: maxTokens, sampling: greedy)) {
                switch event {
                case .prompt:
                    continue
                case .delta(_, let text, _):
                    FileHandle.standardOutput.write(Data(text.utf8))
                case .finished(_, let reason, let completion):
                    FileHandle.standardOutput.write(Data("\n".utf8))
                    FileHandle.standardError.write(
                        Data("[\(tokens.count) prompt tokens, \(completion) generated, finish_reason \(reason.rawValue)]\n".utf8))
                }
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
