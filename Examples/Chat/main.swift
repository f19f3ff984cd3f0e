// A multi-turn conversation in the terminal with the NodeInference library (no HTTP): each
// line you type is a user turn; the answer streams as it is generated, and the conversation so
// far is the next turn's context (its prefix is reused from the model's prefix cache).
//
//   swift run -c release Chat [MODEL.gguf] [--system "You are ..."] [--temperature 0.7]
//
// An empty line or end of input (Ctrl-D) ends the conversation.
import Foundation
import NodeInference

/// `--name value` taken out of `arguments`.
func option(_ name: String, in arguments: inout [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(index...(index + 1)) }
    return arguments[index + 1]
}
var arguments = Array(CommandLine.arguments.dropFirst())
let system = option("--system", in: &arguments)
let temperature = option("--temperature", in: &arguments).flatMap(Float.init) ?? 0.7
let path = arguments.first ?? "models/SmolLM2-135M-Instruct.Q4_1.gguf"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

let model: LanguageModel
do {
    model = try LanguageModel(path: path)
} catch {
    fail("\(error)")
}
var messages: [ChatMessage] = system.map { [ChatMessage(role: .system, text: $0)] } ?? []
let interactive = isatty(STDIN_FILENO) != 0
/// Unbuffered, so the answer appears as it streams (print buffers when piped).
func say(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
if interactive { say("Chatting with \(path). An empty line ends.\n") }

while true {
    if interactive { say("you> ") }
    guard let line = readLine(), !line.trimmingCharacters(in: .whitespaces).isEmpty else { break }
    if !interactive { say("you> \(line)\n") }
    messages.append(ChatMessage(role: .user, text: line))
    let prompt: [Int]
    do {
        prompt = try model.chatPrompt(messages)
    } catch {
        fail("the chat template: \(error)")
    }
    var sampling = SamplingParameters()
    sampling.temperature = temperature
    var answer = ""
    say("assistant> ")
    do {
        for try await event in model.completions(CompletionJob(promptTokens: prompt, maxTokens: 256, sampling: sampling)) {
            if case .delta(_, let text, _) = event {
                answer += text
                say(text)
            }
        }
    } catch {
        fail("generation: \(error)")
    }
    say("\n")
    messages.append(ChatMessage(role: .assistant, text: answer))
}
