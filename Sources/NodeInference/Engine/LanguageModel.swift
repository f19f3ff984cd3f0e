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
    /// What the KV caches of this model's running generations hold now.
    public var kvCacheUsage: KVCacheUsage { model.cacheUsage }
}
