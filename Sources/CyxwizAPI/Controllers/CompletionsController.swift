import Foundation
import Hummingbird
import NodeInference

/// `POST /v1/completions`: plain text continuation, with OpenAI's legacy logprobs and `echo`.
struct CompletionsController {
    let configuration: ServerConfiguration
    let host: ModelHost
    let limiter: RateLimiter

    static let maxLogprobs = 5
    static let maxPrompts = 64

    var endpoints: [Endpoint] {
        [.post("/v1/completions") { request, context in
            return try await complete(request, caller: context.callerIdentity, record: context.record)
        }]
    }

    func complete(_ request: Request, caller: String, record: RequestRecord) async throws -> Response {
        let started = ContinuousClock.now
        var request = request
        let body = try await request.collectBody(upTo: configuration.api.maxBodyBytes)
        let completion = try WireFormat.decode(CompletionRequest.self, from: Data(buffer: body))
        guard let settings = configuration.model(id: completion.model) else { throw APIError.modelNotFound(completion.model) }
        guard settings.kind == .completion, let served = host.languageModels[settings.id] else {
            throw APIError.wrongModelType(id: settings.id, kind: settings.kind, endpoint: "/v1/completions", expected: .completion)
        }
        record["model"] = settings.id
        let model = served.worker.model
        let tokenizer = model.tokenizer
        if completion.streamOptions != nil, completion.stream != true {
            throw APIError.invalidRequest("stream_options is only allowed when stream is true.", param: "stream_options", code: "invalid_value")
        }
        var prompts = try Self.prompts(completion.prompt, tokenizer: tokenizer)
        if let suffix = completion.suffix {
            guard let fim = FillInTheMiddle(tokenizer: tokenizer) else {
                throw SamplingValidation.unsupported("suffix", "this model has no fill-in-the-middle tokens.")
            }
            prompts = prompts.map { fim.prompt(prefix: $0, suffix: tokenizer.encode(suffix, parseSpecial: false, addSpecial: false)) }
        }
        let (sampling, stops, n) = try SamplingValidation(maxStopSequences: configuration.api.maxStopSequences, vocabularySize: tokenizer.vocabularySize)
            .parameters(.init(
                temperature: completion.temperature, topP: completion.topP, topK: completion.topK, minP: completion.minP,
                presencePenalty: completion.presencePenalty, frequencyPenalty: completion.frequencyPenalty,
                repetitionPenalty: completion.repetitionPenalty, logitBias: completion.logitBias, seed: completion.seed,
                stop: completion.stop, n: completion.n, defaultTemperature: settings.defaultTemperature))
        if let bestOf = completion.bestOf, bestOf != n {
            throw SamplingValidation.unsupported("best_of", "only best_of equal to n is supported (every generated choice is returned).")
        }
        if let logprobs = completion.logprobs, !(0...Self.maxLogprobs).contains(logprobs) {
            throw SamplingValidation.bad("logprobs must be between 0 and \(Self.maxLogprobs).", "logprobs")
        }
        if let requested = completion.maxTokens, requested < 0 { throw SamplingValidation.bad("max_tokens must not be negative.", "max_tokens") }
        let context = min(settings.contextLength ?? model.contextLength, model.contextLength)
        let echo = completion.echo == true
        for (index, prompt) in prompts.enumerated() where prompt.count >= context {
            throw APIError.invalidRequest(
                "This model's maximum context length is \(context) tokens, however prompt \(index) has \(prompt.count) tokens.",
                param: "prompt", code: "context_length_exceeded")
        }

        let reply = Reply(id: Controllers.identifier("cmpl-"), created: Int(Date().timeIntervalSince1970), model: settings.id,
                          fingerprint: served.fingerprint, tokenizer: tokenizer, metrics: host.metrics, shutdown: host.shutdown, record: record, started: started)
        // OpenAI's default is 16 tokens; 0 with echo returns the prompt alone.
        let requested = completion.maxTokens ?? 16
        let ticket = try served.worker.admit()
        var plans: [Reply.Plan] = []
        for (index, prompt) in prompts.enumerated() {
            var echoed: (text: String, logprobs: [TokenLogprobs?])?
            if echo {
                let logprobs = completion.logprobs != nil ? try await served.worker.promptLogprobs(prompt, top: completion.logprobs ?? 0) : []
                echoed = (tokenizer.decode(prompt), logprobs)
            }
            let job = requested == 0 ? nil : CompletionJob(
                promptTokens: prompt, maxTokens: min(requested, context - prompt.count), sampling: sampling, stops: stops,
                choices: n, topLogprobs: completion.logprobs)
            plans.append(Reply.Plan(promptIndex: index, promptTokens: prompt, job: job, echo: echoed, choices: n))
        }
        if requested == 0, !echo { throw SamplingValidation.bad("max_tokens must be at least 1 unless echo is true.", "max_tokens") }
        let promptTotal = prompts.reduce(0) { $0 + $1.count }
        let reservation: RateLimiter.Reservation?
        do {
            reservation = try limiter.reserve(caller, tokens: promptTotal + plans.reduce(0) { $0 + ($1.job.map { $0.maxTokens * n } ?? 0) })
        } catch {
            throw APIError.rateLimited(error)
        }
        let limiter = self.limiter
        record["prompt_tokens"] = String(promptTotal)
        let metrics = host.metrics, modelID = settings.id
        let settle: @Sendable (Int) -> Void = { completionTokens in
            ticket.release()
            limiter.settle(reservation, used: promptTotal + completionTokens)
            record["completion_tokens"] = String(completionTokens)
            metrics.tokens(model: modelID, prompt: promptTotal, completion: completionTokens)
        }
        let timeout = configuration.api.requestTimeoutSeconds
        let deadline = Controllers.deadline(from: started, timeout: timeout)
        if completion.stream == true {
            return reply.stream(
                request, plans, worker: served.worker, deadline: deadline, includeUsage: completion.streamOptions?.includeUsage == true, settle: settle)
        }
        return try await Controllers.generating(request, timeout: timeout) {
            try await reply.whole(plans, worker: served.worker, deadline: deadline, wantsLogprobs: completion.logprobs != nil, settle: settle)
        }
    }

    /// The prompts of a request as token ids (BOS added as the model's metadata asks).
    static func prompts(_ input: PromptInput?, tokenizer: any Tokenizer) throws -> [[Int]] {
        func encode(_ text: String) -> [Int] { tokenizer.encode(text, parseSpecial: false, addSpecial: true) }
        let prompts: [[Int]]
        switch input {
        case nil: prompts = [encode("")]
        case .text(let text)?: prompts = [encode(text)]
        case .texts(let texts)?: prompts = texts.map(encode)
        case .tokens(let tokens)?: prompts = [tokens]
        case .tokenBatches(let batches)?: prompts = batches
        }
        guard !prompts.isEmpty else { throw SamplingValidation.bad("prompt must not be an empty list.", "prompt") }
        guard prompts.count <= maxPrompts else { throw SamplingValidation.bad("at most \(maxPrompts) prompts per request.", "prompt") }
        for (index, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else {
                throw SamplingValidation.bad("prompt \(index) is empty (this model adds no beginning-of-sequence token).", "prompt")
            }
            if let bad = prompt.first(where: { $0 < 0 || $0 >= tokenizer.vocabularySize }) {
                throw SamplingValidation.bad("prompt \(index) has token id \(bad), outside the vocabulary (0..<\(tokenizer.vocabularySize)).", "prompt")
            }
        }
        return prompts
    }

    struct Reply: Sendable {
        let id: String
        let created: Int
        let model: String
        let fingerprint: String
        let tokenizer: any Tokenizer
        let metrics: ServerMetrics
        let shutdown: ShutdownCoordinator
        let record: RequestRecord
        let started: ContinuousClock.Instant

        struct Plan: Sendable {
            var promptIndex: Int
            var promptTokens: [Int]
            var job: CompletionJob?
            var echo: (text: String, logprobs: [TokenLogprobs?])?
            var choices: Int
        }

        /// Collects one plan's choices: text, legacy logprobs, finish reason.
        struct Collected {
            var text = ""
            var tokens: [String] = []
            var tokenLogprobs: [Double?] = []
            var top: [[String: Double]?] = []
            var offsets: [Int] = []
            var reason: FinishReason = .length
        }

        func append(_ info: TokenLogprobs?, piece: [UInt8], to collected: inout Collected) {
            let token = String(decoding: piece, as: UTF8.self)
            collected.offsets.append(collected.text.unicodeScalars.count)
            collected.tokens.append(token)
            collected.tokenLogprobs.append(info.map { Double($0.logprob) })
            collected.top.append(info.map { info in
                var map: [String: Double] = [:]
                for alternative in info.top { map[String(decoding: alternative.bytes, as: UTF8.self)] = Double(alternative.logprob) }
                return map
            })
        }

        /// Every prompt's generation, submitted at once so that the prompts of one request share
        /// the batch; their events are read in prompt order. A stream dropped unread (the client
        /// went, or an earlier prompt failed) cancels its generation.
        static func start(
            _ plans: [Plan], worker: GenerationWorker, deadline: ContinuousClock.Instant?
        ) -> [AsyncThrowingStream<CompletionEvent, any Error>?] {
            plans.map { plan in plan.job.map { worker.run($0, deadline: deadline) } }
        }

        func whole(
            _ plans: [Plan], worker: GenerationWorker, deadline: ContinuousClock.Instant?, wantsLogprobs: Bool, settle: @Sendable (Int) -> Void
        ) async throws -> Response {
            var choices: [Completion.Choice] = []
            var promptTokens = 0, completionTokens = 0, cachedTokens = 0
            var clock = TokenClock(metrics: metrics, model: model, start: started, record: record)
            defer { settle(completionTokens) }
            let runs = Self.start(plans, worker: worker, deadline: deadline)
            for (plan, run) in zip(plans, runs) {
                promptTokens += plan.promptTokens.count
                var collected = [Collected](repeating: Collected(), count: plan.choices)
                if let echo = plan.echo {
                    for index in collected.indices {
                        for (position, token) in plan.promptTokens.enumerated() {
                            let info = position < echo.logprobs.count ? echo.logprobs[position] : nil
                            append(info, piece: tokenizer.bytes(of: token), to: &collected[index])
                            collected[index].text += String(decoding: tokenizer.bytes(of: token), as: UTF8.self)
                        }
                        collected[index].text = echo.text
                        collected[index].reason = .length
                    }
                }
                if let run {
                    for try await event in run {
                        switch event {
                        case .prompt(let cached):
                            cachedTokens += cached
                        case .delta(let choice, let text, let token):
                            clock.tick()
                            if let token { append(token, piece: token.bytes, to: &collected[choice]) }
                            collected[choice].text += text
                        case .finished(let choice, let reason, let count):
                            collected[choice].reason = reason
                            completionTokens += count
                        }
                    }
                }
                for (index, item) in collected.enumerated() {
                    let logprobs = wantsLogprobs
                        ? CompletionLogprobs(tokens: item.tokens, tokenLogprobs: item.tokenLogprobs, topLogprobs: item.top, textOffset: item.offsets) : nil
                    choices.append(Completion.Choice(text: item.text, index: plan.promptIndex * plan.choices + index, logprobs: logprobs, finishReason: item.reason))
                }
            }
            if shutdown.isAborting { throw APIError.shuttingDown }
            let result = Completion(id: id, created: created, model: model, choices: choices,
                                    usage: .value(Usage(promptTokens: promptTokens, completionTokens: completionTokens, promptTokensDetails: .init(cachedTokens: cachedTokens))),
                                    systemFingerprint: fingerprint)
            return Response.json(result)
        }

        func stream(
            _ request: Request, _ plans: [Plan], worker: GenerationWorker, deadline: ContinuousClock.Instant?, includeUsage: Bool,
            settle: @escaping @Sendable (Int) -> Void
        ) -> Response {
            let reply = self
            return ServerSentEvents.response(request) { writer in
                let usage: StreamUsage = includeUsage ? .null : .omitted
                func chunk(_ choices: [Completion.Choice]) -> Completion {
                    Completion(id: reply.id, created: reply.created, model: reply.model, choices: choices, usage: usage, systemFingerprint: reply.fingerprint)
                }
                var promptTokens = 0, completionTokens = 0, cachedTokens = 0
                var clock = TokenClock(metrics: reply.metrics, model: reply.model, start: reply.started, record: reply.record)
                defer { settle(completionTokens) }
                do {
                    let runs = Self.start(plans, worker: worker, deadline: deadline)
                    for (plan, run) in zip(plans, runs) {
                        promptTokens += plan.promptTokens.count
                        if let echo = plan.echo {
                            for index in 0..<plan.choices {
                                try await writer.write(ServerSentEvents.event(chunk([.init(text: echo.text, index: plan.promptIndex * plan.choices + index, finishReason: nil)])))
                            }
                        }
                        guard let run else {
                            for index in 0..<plan.choices {
                                try await writer.write(ServerSentEvents.event(chunk([.init(text: "", index: plan.promptIndex * plan.choices + index, finishReason: .length)])))
                            }
                            continue
                        }
                        for try await event in run {
                            switch event {
                            case .prompt(let cached):
                                cachedTokens += cached
                            case .delta(let choice, let text, let token):
                                clock.tick()
                                guard !text.isEmpty || token != nil else { continue }
                                var logprobs: CompletionLogprobs?
                                if let token {
                                    var collected = Collected()
                                    reply.append(token, piece: token.bytes, to: &collected)
                                    logprobs = CompletionLogprobs(tokens: collected.tokens, tokenLogprobs: collected.tokenLogprobs, topLogprobs: collected.top, textOffset: [0])
                                }
                                try await writer.write(ServerSentEvents.event(chunk([.init(text: text, index: plan.promptIndex * plan.choices + choice, logprobs: logprobs, finishReason: nil)])))
                            case .finished(let choice, let reason, let count):
                                completionTokens += count
                                try await writer.write(ServerSentEvents.event(chunk([.init(text: "", index: plan.promptIndex * plan.choices + choice, finishReason: reason)])))
                            }
                        }
                    }
                } catch {
                    try await writer.write(ServerSentEvents.failure(error))
                    return
                }
                if reply.shutdown.isAborting {
                    try await writer.write(ServerSentEvents.shutdownEvent)
                    return
                }
                if includeUsage {
                    var last = chunk([])
                    last.usage = .value(Usage(
                        promptTokens: promptTokens, completionTokens: completionTokens, promptTokensDetails: .init(cachedTokens: cachedTokens)))
                    try await writer.write(ServerSentEvents.event(last))
                }
                try await writer.write(ServerSentEvents.done)
            }
        }
    }
}

/// The StarCoder-style fill-in-the-middle tokens some models have.
struct FillInTheMiddle {
    let prefix: Int, suffix: Int, middle: Int

    init?(tokenizer: any Tokenizer) {
        func id(_ text: String) -> Int? {
            let ids = tokenizer.encode(text, parseSpecial: true, addSpecial: false)
            return ids.count == 1 ? ids[0] : nil
        }
        guard let prefix = id("<fim_prefix>"), let suffix = id("<fim_suffix>"), let middle = id("<fim_middle>") else { return nil }
        self.prefix = prefix
        self.suffix = suffix
        self.middle = middle
    }

    func prompt(prefix text: [Int], suffix tail: [Int]) -> [Int] {
        [prefix] + text + [suffix] + tail + [middle]
    }
}
