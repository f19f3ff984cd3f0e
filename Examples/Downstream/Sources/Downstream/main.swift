// Uses only NodeInference's public API: the OpenAI wire types, a model's tokenizer and chat
// template, and one greedy generation.
//
//   swift run --package-path Examples/Downstream Downstream models/SmolLM2-135M-Instruct.Q4_1.gguf
import Foundation
import NodeInference

let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "models/SmolLM2-135M-Instruct.Q4_1.gguf"
let body = #"{"model": "local", "messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 4}"#
do {
    let request = try WireFormat.decode(ChatCompletionRequest.self, from: Data(body.utf8))
    let model = try LanguageModel(path: path)
    let prompt = try model.chatPrompt(request.messages)
    var sampling = SamplingParameters()
    sampling.temperature = 0
    var text = ""
    for try await event in model.completions(CompletionJob(promptTokens: prompt, maxTokens: request.maxTokens ?? 4, sampling: sampling)) {
        if case .delta(_, let piece, _) = event { text += piece }
    }
    print("prompt tokens: \(prompt.count)")
    print("answer: \(text)")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
