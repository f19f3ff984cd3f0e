import Foundation

/// What a caller hands the engine with a job: how to tell it stopped caring, and where the
/// events go. `finish` is called exactly once, after the last event (with `nil` when the job
/// completed or was cancelled).
package struct GenerationSink {
    package var isCancelled: () -> Bool
    package var emit: (CompletionEvent) -> Void
    package var finish: ((any Error)?) -> Void

    package init(isCancelled: @escaping () -> Bool, emit: @escaping (CompletionEvent) -> Void, finish: @escaping ((any Error)?) -> Void) {
        self.isCancelled = isCancelled
        self.emit = emit
        self.finish = finish
    }
}

/// Continuous batching, as llama.cpp's server loop does it: the engine owns every running
/// sequence, and each ``step()`` runs all of them through the model together — one token per
/// decoding sequence plus chunks of waiting prompts, in one forward call (one matrix product
/// per weight, attention per sequence). New jobs join at the next step; long prompts are
/// prefilled a budget of tokens per step, so running streams keep flowing.
///
/// Not thread-safe: one owner steps it (``BatchScheduler``'s thread, or `complete` on the
/// caller's thread).
package final class BatchEngine {
    let model: LlamaModel
    let tokenizer: any Tokenizer
    let state: LlamaRunState
    let options: BatchOptions
    let prefixCache: PrefixCache?
    let kvCacheType: KVCacheType
    private var running: [RunningJob] = []

    package init(
        model: LlamaModel, tokenizer: any Tokenizer, options: BatchOptions, pool: WorkerPool, precision: MatmulPrecision,
        kvCache: KVCacheType? = nil
    ) {
        self.model = model
        self.kvCacheType = kvCache ?? .defaultType(for: precision)
        self.tokenizer = tokenizer
        self.options = options
        // Rows of one step: a token per sequence, plus the prefill budget.
        // Pieces end after end-of-turn tokens, so a system prompt or earlier turns are reused.
        state = model.makeState(
            maxTokens: options.maxSequences + options.prefillTokensPerStep, pool: pool, precision: precision,
            pieces: PromptPieces(breakAfter: tokenizer.endOfGenerationTokens))
        prefixCache = options.prefixCacheBytes > 0 ? PrefixCache(budgetBytes: options.prefixCacheBytes, pieces: state.pieces) : nil
    }

    var contextLength: Int { model.configuration.contextLength }
    package var isIdle: Bool { running.isEmpty }
    /// Sequences running or about to (each choice of a job is one).
    package var load: Int { running.reduce(0) { $0 + $1.job.choices } }

    /// Whether `job` fits beside what runs now and `others` about to join; a job alone
    /// always fits.
    package func canAdmit(_ job: CompletionJob, besides others: [CompletionJob] = []) -> Bool {
        let joining = others.reduce(0) { $0 + max(1, $1.choices) }
        if running.isEmpty && others.isEmpty { return true }
        // Keys and values past the budget: the job waits until running ones end. A job is
        // counted at what its prompt needs at once; caches grow from there as it decodes.
        let needed = ([job] + others).reduce(model.cacheUsage.allocatedBytes) { $0 + initialCacheBytes($1) }
        if needed > options.kvCacheBytes { return false }
        return load + joining + max(1, job.choices) <= options.maxSequences
    }

    /// The cache blocks a job's prompt fills, for each of its choices.
    private func initialCacheBytes(_ job: CompletionJob) -> Int {
        let c = model.configuration
        let positions = (job.promptTokens.count + KVCache.block) / KVCache.block * KVCache.block
        return max(1, job.choices) * positions * 2 * c.layerCount * c.kvDimension * kvCacheType.elementSize
    }

    /// Checks `job` and takes it on; it starts at the next step. A job that cannot run is
    /// refused here, before anything runs.
    package func admit(_ job: CompletionJob, sink: GenerationSink) throws(ModelError) {
        let prompt = job.promptTokens
        guard !prompt.isEmpty else { throw .invalidConfiguration("the prompt has no tokens") }
        guard prompt.count < contextLength else { throw .contextOverflow(positions: prompt.count, contextLength: contextLength) }
        let vocabulary = model.configuration.vocabularySize
        for token in prompt where token < 0 || token >= vocabulary { throw .tokenOutOfRange(token: token, vocabularySize: vocabulary) }
        let reused = prefixCache?.lookup(prompt)
        let cache = reused?.cache ?? model.makeCache(type: kvCacheType)
        let running = RunningJob(job: job, sink: sink, cache: cache, cachedTokens: reused?.positions ?? 0)
        running.promptLogits = reused?.logits
        self.running.append(running)
    }

    /// One forward call over every running sequence; then each gets its next token.
    package func step() {
        retire { $0.sink.isCancelled() }
        guard !running.isEmpty else { return }
        // A prompt found whole in the prefix cache starts from its cached logits, and decodes
        // in this very step.
        for job in running where job.sequences.isEmpty && job.prefilled == job.job.promptTokens.count {
            guard let logits = job.promptLogits else { continue }
            logits.withUnsafeBufferPointer { start(job, logits: $0.baseAddress!) }
        }

        // Decoding sequences first, a token each, then prompt chunks within the budget.
        var segments: [BatchSegment] = []
        var owners: [(job: RunningJob, sequence: RunningSequence?)] = []
        let rows = state.maxTokens
        for job in running where job.prefilled == job.job.promptTokens.count {
            for sequence in job.sequences where !sequence.finished && segments.count < rows - options.prefillTokensPerStep {
                segments.append(BatchSegment(tokens: [sequence.pending][...], cache: sequence.cache, logits: .last))
                owners.append((job, sequence))
            }
        }
        var budget = options.prefillTokensPerStep
        for job in running where job.prefilled < job.job.promptTokens.count && budget > 0 {
            let prompt = job.job.promptTokens
            var end = min(prompt.count, job.prefilled + budget)
            // A step that stops short of the prompt's end stops on a chunk boundary (a piece end).
            if end < prompt.count { end = end / LlamaRunState.chunk * LlamaRunState.chunk }
            guard end > job.prefilled else { break }
            segments.append(BatchSegment(tokens: prompt[job.prefilled..<end], cache: job.cache, logits: end == prompt.count ? .last : .none))
            owners.append((job, nil))
            budget -= end - job.prefilled
        }

        let starts: [Int?]
        do {
            starts = try model.forward(segments, state: state)
        } catch {
            // Unreachable for admitted jobs (their tokens and lengths were checked); fail the
            // jobs of this step rather than the process.
            let failed = Set(owners.map { ObjectIdentifier($0.job) })
            owners.removeAll()
            segments.removeAll()
            retire(error: error) { failed.contains(ObjectIdentifier($0)) }
            return
        }

        let vocabulary = model.configuration.vocabularySize
        for (index, owner) in owners.enumerated() {
            let job = owner.job
            if let sequence = owner.sequence {
                guard let start = starts[index] else { continue }
                advance(sequence, logits: state.logits + start * vocabulary, sink: job.sink)
                continue
            }
            job.prefilled += segments[index].tokens.count
            guard job.prefilled == job.job.promptTokens.count, let row = starts[index] else { continue }
            let logits = state.logits + row * vocabulary
            // Kept for the prefix cache, which can then answer this prompt again without a pass.
            if prefixCache != nil { job.promptLogits = Array(UnsafeBufferPointer(start: logits, count: vocabulary)) }
            start(job, logits: logits)
        }

        owners.removeAll()
        segments.removeAll()
        retire { job in
            guard job.prefilled == job.job.promptTokens.count, job.sequences.allSatisfy(\.finished) else { return false }
            prefixCache?.store(prompt: job.job.promptTokens, cache: job.cache, logits: job.promptLogits)
            return true
        }
    }

    /// The prompt is in: every choice starts from its logits, on its own copy of the cache.
    private func start(_ job: RunningJob, logits: UnsafePointer<Float>) {
        job.sink.emit(.prompt(cachedTokens: job.cachedTokens))
        let choices = max(1, job.job.choices)
        for choice in 0..<choices {
            let cache = choice == choices - 1 ? job.cache : job.cache.copy()
            let sequence = RunningSequence(
                decoder: ChoiceDecoder(job: job.job, choice: choice, vocabularySize: model.configuration.vocabularySize), cache: cache)
            job.sequences.append(sequence)
            advance(sequence, logits: logits, sink: job.sink)
        }
    }

    /// Removes the jobs `ends` picks and only then tells their sinks, so that a job's KV cache
    /// is freed — and the cache metrics say so — before anyone hears that the job ended.
    private func retire(error: (any Error)? = nil, where ends: (RunningJob) -> Bool) {
        var sinks: [GenerationSink] = []
        running.removeAll { job in
            guard ends(job) else { return false }
            sinks.append(job.sink)
            return true
        }
        for sink in sinks { sink.finish(error) }
    }

    private func advance(_ sequence: RunningSequence, logits: UnsafePointer<Float>, sink: GenerationSink) {
        switch sequence.decoder.next(
            logits: logits, positions: sequence.cache.count, contextLength: contextLength, tokenizer: tokenizer, emit: sink.emit)
        {
        case .forward(let token): sequence.pending = token
        case .finished: sequence.finished = true
        }
    }

    /// Ends every job (the engine is going away): each stream ends as if cancelled.
    package func cancelAll() {
        retire { _ in true }
    }
}

/// Limits of one model's batch.
public struct BatchOptions: Sendable, Equatable {
    /// Sequences decoded together (each choice of a request is one); more requests wait.
    public var maxSequences: Int
    /// Prompt tokens computed per step, beside the decoding sequences' tokens.
    public var prefillTokensPerStep: Int
    /// Memory for keys and values of finished prompts kept for reuse (0: no prefix reuse).
    public var prefixCacheBytes: Int
    /// Keys and values of the running sequences (prefix cache included) past which new jobs
    /// wait for running ones to end rather than join; a job alone always runs.
    public var kvCacheBytes: Int

    /// Creates a `BatchOptions` from its fields.
    public init(maxSequences: Int = 16, prefillTokensPerStep: Int = 256, prefixCacheBytes: Int = 64 << 20, kvCacheBytes: Int = 1 << 30) {
        self.maxSequences = max(1, maxSequences)
        self.kvCacheBytes = max(0, kvCacheBytes)
        // Whole chunks, so a step's prompt pieces end on chunk boundaries.
        self.prefillTokensPerStep = max(1, (prefillTokensPerStep + LlamaRunState.chunk - 1) / LlamaRunState.chunk) * LlamaRunState.chunk
        self.prefixCacheBytes = max(0, prefixCacheBytes)
    }
}

/// A job in the engine: its prompt's progress, then its choices.
final class RunningJob {
    let job: CompletionJob
    let sink: GenerationSink
    /// The prompt's keys and values; the last choice continues in it.
    let cache: KVCache
    /// Prompt positions taken from the prefix cache.
    let cachedTokens: Int
    /// Prompt positions computed so far (cached ones included).
    var prefilled: Int
    var sequences: [RunningSequence] = []
    /// The logits after the prompt's last token: from the prefix cache (then the job starts
    /// without a forward pass), or kept when the prompt is computed, for the prefix cache.
    var promptLogits: [Float]?

    init(job: CompletionJob, sink: GenerationSink, cache: KVCache, cachedTokens: Int) {
        self.job = job
        self.sink = sink
        self.cache = cache
        self.cachedTokens = cachedTokens
        self.prefilled = cachedTokens
    }
}

/// One choice being decoded: the token it emitted last waits to be forwarded.
final class RunningSequence {
    var decoder: ChoiceDecoder
    let cache: KVCache
    var pending = 0
    var finished = false

    init(decoder: ChoiceDecoder, cache: KVCache) {
        self.decoder = decoder
        self.cache = cache
    }
}
