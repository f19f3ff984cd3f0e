import Foundation

/// A sentence-embedding model loaded from a sentence-transformers folder (`config.json`,
/// safetensors, `tokenizer.json`, `modules.json`, `1_Pooling/config.json`,
/// `sentence_bert_config.json`), producing the vectors sentence-transformers produces.
public final class EmbeddingModel: Sendable {
    /// One input: text, or token ids of its content (`[CLS]`/`[SEP]` are added).
    public enum Input: Sendable, Equatable {
        /// Text, tokenized by the model's tokenizer.
        case text(String)
        /// Token ids, used as given.
        case tokens([Int])
    }

    /// What to do with an input longer than ``maxSequenceLength``.
    public enum Truncation: Sendable, Equatable {
        /// Cut it, as sentence-transformers does (and say so in ``Embedding/truncated``).
        case truncate
        /// Refuse it with ``EmbeddingError/inputTooLong(index:tokens:limit:)``, as OpenAI does.
        case reject
    }

    /// One input's result.
    public struct Embedding: Sendable, Equatable {
        /// The sentence's vector (normalised when the model normalises).
        public var vector: [Float]
        /// Tokens the model read, `[CLS]` and `[SEP]` included.
        public var tokenCount: Int
        /// Whether the input was cut to the model's `max_seq_length`.
        public var truncated: Bool

        /// Creates an `EmbeddingModel.Embedding` from its fields.
        public init(vector: [Float], tokenCount: Int, truncated: Bool) {
            self.vector = vector
            self.tokenCount = tokenCount
            self.truncated = truncated
        }
    }

    /// The model's tokenizer.
    public let tokenizer: WordPiece
    let model: BertModel
    /// How token vectors become one sentence vector (sentence-transformers' pooling).
    public let pooling: String
    let poolingMode: Pooling
    /// Whether vectors are scaled to unit length (a `Normalize` module).
    public let normalizes: Bool
    /// Tokens per input, `[CLS]` and `[SEP]` included (`max_seq_length`).
    public let maxSequenceLength: Int
    /// Worker threads of the model's products.
    public var threads: Int { pool.count }
    let pool: WorkerPool
    /// Inputs encoded together in one packed batch.
    static let batchSize = 64

    /// The length of the model's vectors.
    public var dimensions: Int { model.configuration.dimension }

    /// Loads a sentence-transformers folder (`config.json`, `*.safetensors`, `tokenizer.json`,
    /// `modules.json`); `threads` defaults to every core. Errors name the file and what is wrong.
    public init(folder: String, threads: Int? = nil) throws {
        model = try BertModel(folder: folder)
        tokenizer = try WordPiece.load(folder: folder)
        guard tokenizer.vocabularySize <= model.configuration.vocabularySize else {
            throw ModelError.invalidConfiguration("the tokenizer has \(tokenizer.vocabularySize) tokens, the model \(model.configuration.vocabularySize)")
        }
        let modules = try Self.readJSON(folder, "modules.json")
        var poolingFolder = "1_Pooling"
        var normalizes = false
        if case .array(let entries)? = modules {
            for case .object(let module) in entries {
                guard case .string(let type)? = module["type"] else { continue }
                if type.hasSuffix(".Normalize") { normalizes = true }
                if type.hasSuffix(".Pooling"), case .string(let path)? = module["path"], !path.contains("..") { poolingFolder = path }
            }
        }
        self.normalizes = normalizes
        var mode = Pooling.mean
        if case .object(let pooling)? = try Self.readJSON((folder as NSString).appendingPathComponent(poolingFolder), "config.json") {
            if pooling["pooling_mode_cls_token"] == .bool(true) { mode = .cls }
            else if pooling["pooling_mode_max_tokens"] == .bool(true) { mode = .max }
            else if pooling["pooling_mode_lasttoken"] == .bool(true) { mode = .lastToken }
            else if pooling["pooling_mode_mean_sqrt_len_tokens"] == .bool(true) {
                throw ModelError.invalidConfiguration("pooling mode mean_sqrt_len_tokens is not supported")
            }
        }
        poolingMode = mode
        pooling = mode.rawValue
        let positions = model.configuration.maxPositions - model.configuration.positionOffset
        if case .object(let sentence)? = try Self.readJSON(folder, "sentence_bert_config.json"),
            case .integer(let length)? = sentence["max_seq_length"], length > 2
        {
            maxSequenceLength = min(length, positions)
        } else {
            maxSequenceLength = positions
        }
        self.pool = WorkerPool.pool(threads: threads)
    }

    static func readJSON(_ folder: String, _ name: String) throws -> JSONValue? {
        let path = (folder as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw ModelError.invalidConfiguration("\(name) is not valid JSON")
        }
        return value
    }

    /// Token ids of one input, `[CLS]`/`[SEP]` included, cut to ``maxSequenceLength``.
    public func tokenize(_ input: Input) -> (ids: [Int], truncated: Bool, fullCount: Int) {
        switch input {
        case .text(let text):
            let full = tokenizer.encode(text)
            guard full.ids.count > maxSequenceLength else { return (full.ids, false, full.ids.count) }
            return (tokenizer.encode(text, maxLength: maxSequenceLength).ids, true, full.ids.count)
        case .tokens(let content):
            let kept = Array(content.prefix(maxSequenceLength - 2))
            return ([tokenizer.classToken] + kept + [tokenizer.separatorToken], kept.count < content.count, content.count + 2)
        }
    }

    /// Vectors for `inputs`, in order.
    public func embed(_ inputs: [Input], truncation: Truncation = .truncate) throws -> [Embedding] {
        var sequences: [(ids: [Int], truncated: Bool)] = []
        for (index, input) in inputs.enumerated() {
            let (ids, truncated, fullCount) = tokenize(input)
            if truncated, truncation == .reject {
                throw EmbeddingError.inputTooLong(index: index, tokens: fullCount, limit: maxSequenceLength)
            }
            if case .tokens(let content) = input, let bad = content.first(where: { $0 < 0 || $0 >= tokenizer.vocabularySize }) {
                throw EmbeddingError.tokenOutOfRange(index: index, token: bad, vocabularySize: tokenizer.vocabularySize)
            }
            sequences.append((ids, truncated))
        }
        var results: [Embedding] = []
        results.reserveCapacity(inputs.count)
        let d = dimensions
        var start = 0
        while start < sequences.count {
            let batch = Array(sequences[start..<min(sequences.count, start + Self.batchSize)])
            let states = try model.encode(batch.map(\.ids), pool: pool)
            states.withUnsafeBufferPointer { states in
                var row = 0
                for sequence in batch {
                    var vector = poolingMode.pool(states.baseAddress!, start: row, count: sequence.ids.count, dimension: d)
                    if normalizes { Self.normalize(&vector) }
                    results.append(Embedding(vector: vector, tokenCount: sequence.ids.count, truncated: sequence.truncated))
                    row += sequence.ids.count
                }
            }
            start += batch.count
        }
        return results
    }

    /// Scales to unit length (a zero vector stays zero), as torch's `normalize` with eps 1e-12.
    public static func normalize(_ vector: inout [Float]) {
        let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        for i in vector.indices { vector[i] /= norm }
    }
}

/// A request the embedding model cannot serve.
public enum EmbeddingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Input `index` has more tokens than the model's `max_seq_length` and truncation is off.
    case inputTooLong(index: Int, tokens: Int, limit: Int)
    /// Input `index` holds a token id outside the vocabulary.
    case tokenOutOfRange(index: Int, token: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case .inputTooLong(let index, let tokens, let limit):
            "input \(index) has \(tokens) tokens; this model reads at most \(limit)"
        case .tokenOutOfRange(let index, let token, let size):
            "input \(index) has token id \(token), outside the vocabulary (0..<\(size))"
        }
    }
}
