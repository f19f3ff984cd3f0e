import Foundation

/// A text-generation model loaded from a GGUF file: the decoder and its tokenizer. Immutable
/// and shared; each generation owns its own cache and buffers.
public final class LanguageModel: Sendable {
    /// The model's tokenizer.
    public let tokenizer: any Tokenizer
    /// The model file or folder it was loaded from.
    public let path: String
    let model: LlamaModel
    /// Worker threads per matrix product.
    public var threads: Int { pool.count }
    let pool: WorkerPool
    /// How decoding steps multiply: see ``MatmulPrecision``.
    public let precision: MatmulPrecision
    /// How the KV caches of its generations store keys and values: see ``KVCacheType``.
    public let kvCacheType: KVCacheType
    /// The batch that ``completions(_:isCancelled:)`` jobs share.
    let scheduler: BatchScheduler
    /// The batching limits the model's engine runs with.
    public let batchOptions: BatchOptions
    /// The chat template the model ships, compiled; `nil` when it has none.
    public let chatTemplate: ChatTemplate?

    /// Tokens per forward call while prefilling a prompt.
    static let prefillChunk = 256

    /// Loads a GGUF file, or a Hugging Face folder (`config.json`, safetensors, `tokenizer.json`).
    /// `threads`: workers per product (default: the shared pool, every core or `[runtime] threads`).
    /// `batch`: how many sequences decode together, and the prefix cache's size.
    /// `kvCache`: how caches store keys and values (default: f16 with `q8` precision, f32
    /// with `f32`; ``KVCacheType/defaultType(for:)``).
    public init(
        path: String, threads: Int? = nil, precision: MatmulPrecision = .quantizedActivations, kvCache: KVCacheType? = nil,
        batch: BatchOptions = BatchOptions()
    ) throws {
        self.path = path
        if ModelRegistry.isFolder(path) {
            self.model = try ModelRegistry.loadDecoder(folder: path)
            self.tokenizer = try HFTokenizer.load(folder: path)
        } else {
            let file = try GGUFFile(path: path)
            self.model = try ModelRegistry.loadDecoder(gguf: file)
            self.tokenizer = try GGUFTokenizer.load(file)
        }
        self.pool = WorkerPool.pool(threads: threads)
        self.precision = precision
        self.kvCacheType = kvCache ?? .defaultType(for: precision)
        self.chatTemplate = try Self.bundledChatTemplate(path: path).map { try ChatTemplate(source: $0) }
        self.batchOptions = batch
        self.scheduler = BatchScheduler(
            engine: BatchEngine(
                model: model, tokenizer: tokenizer, options: batch, pool: pool, precision: precision, kvCache: kvCacheType),
            name: URL(fileURLWithPath: path).lastPathComponent)
    }

    /// The longest context (prompt plus completion) in tokens.
    public var contextLength: Int { model.configuration.contextLength }
    /// The model family (`llama`, `qwen2`, `bert`, …).
    public var architecture: String { model.configuration.architecture }
    deinit { scheduler.stop() }

    /// Jobs waiting for room in the batch, and sequences running in it.
    public var batchLoad: (waiting: Int, running: Int) { (scheduler.waitingJobs, scheduler.runningSequences) }
    /// The most sequences one step has run together since the model loaded.
    package var peakBatch: Int { scheduler.peakRunningSequences }

    /// What the KV caches of this model's running generations hold now.
    public var kvCacheUsage: KVCacheUsage { model.cacheUsage }
}

/// How the products of decoding steps are computed.
public enum MatmulPrecision: Sendable, Equatable {
    /// As llama.cpp does: activations quantized to 8 bits per block of 32, integer products
    /// with the quantized weights in place. Fastest; logits differ from exact float arithmetic
    /// by about 1% of their range.
    case quantizedActivations
    /// Weights dequantized to f32 and multiplied in f32: slower, closest to a float reference.
    case float32

    /// `q8` or `f32`, as the command line and `[runtime] precision` name them.
    public init?(name: String) {
        switch name {
        case "q8": self = .quantizedActivations
        case "f32": self = .float32
        default: return nil
        }
    }

    /// A name: of the function, tool or message author.
    public var name: String { self == .float32 ? "f32" : "q8" }
}
