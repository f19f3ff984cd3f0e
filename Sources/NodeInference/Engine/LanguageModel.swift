import Foundation

/// A text-generation model loaded from a GGUF file: the decoder and its tokenizer. Immutable
/// and shared; each generation owns its own cache and buffers.
public final class LanguageModel: Sendable {
    public let tokenizer: any Tokenizer
    public let path: String
    let model: LlamaModel
    /// Worker threads per matrix product.
    public let threads: Int
    /// The chat template the model ships, compiled; `nil` when it has none.
    public let chatTemplate: ChatTemplate?

    /// Tokens per forward call while prefilling a prompt.
    static let prefillChunk = 256

    /// Loads a GGUF file, or a Hugging Face folder (`config.json`, safetensors, `tokenizer.json`).
    public init(path: String, threads: Int? = nil) throws {
        self.path = path
        if ModelRegistry.isFolder(path) {
            self.model = try ModelRegistry.loadDecoder(folder: path)
            self.tokenizer = try HFTokenizer.load(folder: path)
        } else {
            let file = try GGUFFile(path: path)
            self.model = try ModelRegistry.loadDecoder(gguf: file)
            self.tokenizer = try GGUFTokenizer.load(file)
        }
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.chatTemplate = try Self.bundledChatTemplate(path: path).map { try ChatTemplate(source: $0) }
        // The runtime splits products over its own workers; OpenBLAS threads would fight them.
        BLAS.threadCount = 1
    }

    public var contextLength: Int { model.configuration.contextLength }
    public var architecture: String { model.configuration.architecture }

    /// Greedy generation, streamed. Ending the stream (or cancelling its consumer) stops the
    /// work at the next token.
    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task.detached(priority: .userInitiated) { [self] in
                do {
                    try self.run(request) { event in
                        continuation.yield(event)
                        return !Task.isCancelled
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The generation loop, synchronous: `emit` returns `false` to stop early.
    public func run(_ request: GenerationRequest, emit: (GenerationEvent) -> Bool) throws {
        let prompt = request.promptTokens
        guard !prompt.isEmpty else { throw ModelError.invalidConfiguration("the prompt has no tokens") }
        guard prompt.count < contextLength else {
            throw ModelError.contextOverflow(positions: prompt.count, contextLength: contextLength)
        }
        let cache = model.makeCache()
        let state = model.makeState(maxTokens: min(Self.prefillChunk, prompt.count), workers: threads)
        var start = 0
        while start < prompt.count {
            let end = min(prompt.count, start + state.maxTokens)
            try model.forward(prompt[start..<end], cache: cache, state: state)
            start = end
        }
        var detokenizer = StreamingDetokenizer()
        var generated = 0
        var stop = GenerationStop.maxTokens
        while generated < request.maxTokens {
            let next = Sampling.argmax(state.logits, count: model.configuration.vocabularySize)
            if tokenizer.endOfGenerationTokens.contains(next) {
                stop = .endOfGeneration
                break
            }
            generated += 1
            let text = detokenizer.append(tokenizer.bytes(of: next))
            guard emit(.token(id: next, text: text)) else { return }
            guard cache.count < contextLength else {
                stop = .contextFull
                break
            }
            if generated < request.maxTokens { try model.forward([next][...], cache: cache, state: state) }
        }
        let rest = detokenizer.flush()
        if !rest.isEmpty, !emit(.text(rest)) { return }
        _ = emit(.finished(stop, promptTokens: prompt.count, completionTokens: generated))
    }
}
