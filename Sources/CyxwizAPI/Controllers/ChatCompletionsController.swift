import Foundation
import Hummingbird
import NIOCore
import NodeInference

/// `POST /v1/chat/completions`: the model's chat template renders the messages, the engine
/// generates, and the answer goes back whole or as a stream of chunks.
struct ChatCompletionsController {
    let configuration: ServerConfiguration
    let host: ModelHost
    let limiter: RateLimiter

    static let maxTopLogprobs = 20

    var endpoints: [Endpoint] {
        [.post("/v1/chat/completions") { request, context in
            return try await complete(request, caller: context.callerIdentity, record: context.record)
        }]
    }

    func complete(_ request: Request, caller: String, record: RequestRecord) async throws -> Response {
        let started = ContinuousClock.now
        var request = request
        let body = try await request.collectBody(upTo: configuration.api.maxBodyBytes)
        let chat = try WireFormat.decode(ChatCompletionRequest.self, from: Data(buffer: body))
        guard let settings = configuration.model(id: chat.model) else { throw APIError.modelNotFound(chat.model) }
        guard settings.kind == .chat, let served = host.languageModels[settings.id], let template = served.template else {
            throw APIError.wrongModelType(id: settings.id, kind: settings.kind, endpoint: "/v1/chat/completions", expected: .chat)
        }
        record["model"] = settings.id
        try Self.refuseUnsupported(chat)
        let model = served.worker.model
        let messages = try Self.templateMessages(chat.messages)
        let prompt: String
        do {
            prompt = try template.render(messages: messages, addGenerationPrompt: true, bosToken: served.bosToken, eosToken: served.eosToken)
        } catch {
            throw APIError.invalidRequest("\(error)", param: "messages", code: "invalid_messages")
        }
        let promptTokens = model.tokenizer.encode(prompt, parseSpecial: true, addSpecial: false)
        let context = min(settings.contextLength ?? model.contextLength, model.contextLength)
        guard promptTokens.count < context else {
            throw APIError.invalidRequest(
                "This model's maximum context length is \(context) tokens, however your messages resulted in \(promptTokens.count) tokens.",
                param: "messages", code: "context_length_exceeded")
        }
        let requested = chat.maxCompletionTokens ?? chat.maxTokens
        if let requested, requested < 1 {
            throw SamplingValidation.bad("max_tokens must be at least 1.", chat.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens")
        }
        // Prompt + max_tokens past the context is allowed: generation ends there, finish_reason "length".
        let maxTokens = min(requested ?? Int.max, context - promptTokens.count)
        let (sampling, stops, n) = try SamplingValidation(maxStopSequences: configuration.api.maxStopSequences, vocabularySize: model.tokenizer.vocabularySize)
            .parameters(.init(
                temperature: chat.temperature, topP: chat.topP, topK: chat.topK, minP: chat.minP, presencePenalty: chat.presencePenalty,
                frequencyPenalty: chat.frequencyPenalty, repetitionPenalty: chat.repetitionPenalty, logitBias: chat.logitBias, seed: chat.seed,
                stop: chat.stop, n: chat.n, defaultTemperature: settings.defaultTemperature))
        var topLogprobs: Int?
        if chat.logprobs == true {
            let top = chat.topLogprobs ?? 0
            guard (0...Self.maxTopLogprobs).contains(top) else {
                throw SamplingValidation.bad("top_logprobs must be between 0 and \(Self.maxTopLogprobs).", "top_logprobs")
            }
            topLogprobs = top
        } else if chat.topLogprobs != nil {
            throw SamplingValidation.bad("top_logprobs requires logprobs to be true.", "top_logprobs")
        }
        let job = CompletionJob(promptTokens: promptTokens, maxTokens: maxTokens, sampling: sampling, stops: stops, choices: n, topLogprobs: topLogprobs)
        let reply = Reply(id: Controllers.identifier("chatcmpl-"), created: Int(Date().timeIntervalSince1970), model: settings.id,
                          fingerprint: served.fingerprint, tokenizer: model.tokenizer, metrics: host.metrics, shutdown: host.shutdown, record: record, started: started, promptTokens: promptTokens.count)
        let ticket = try served.worker.admit()
        let reservation: RateLimiter.Reservation?
        do {
            reservation = try limiter.reserve(caller, tokens: promptTokens.count + maxTokens * n)
        } catch {
            throw APIError.rateLimited(error)
        }
        let limiter = self.limiter
        record["prompt_tokens"] = String(promptTokens.count)
        let metrics = host.metrics, modelID = settings.id
        let settle: @Sendable (Int) -> Void = { completionTokens in
            ticket.release()
            limiter.settle(reservation, used: promptTokens.count + completionTokens)
            record["completion_tokens"] = String(completionTokens)
            metrics.tokens(model: modelID, prompt: promptTokens.count, completion: completionTokens)
        }
        let timeout = configuration.api.requestTimeoutSeconds
        let events = served.worker.run(job, deadline: Controllers.deadline(from: started, timeout: timeout))
        if chat.stream == true {
            return reply.stream(request, events, choices: n, includeUsage: chat.streamOptions?.includeUsage == true, settle: settle)
        }
        return try await Controllers.generating(request, timeout: timeout) {
            try await reply.whole(events, choices: n, settle: settle)
        }
    }

    static func refuseUnsupported(_ chat: ChatCompletionRequest) throws {
        typealias V = SamplingValidation
        if let tools = chat.tools, !tools.isEmpty { throw V.unsupported("tools", "this node does not offer tool calling yet.") }
        if let choice = chat.toolChoice, choice != .none, choice != .auto { throw V.unsupported("tool_choice", "no tools can be called.") }
        if chat.functions != nil { throw V.unsupported("functions", "this node does not offer function calling yet.") }
        if chat.functionCall != nil { throw V.unsupported("function_call", "this node does not offer function calling yet.") }
        if chat.audio != nil { throw V.unsupported("audio", "this server produces text only.") }
        if let modalities = chat.modalities, modalities != ["text"] { throw V.unsupported("modalities", "this server produces text only.") }
        if let format = chat.responseFormat, format.type != "text" { throw V.unsupported("response_format", "this node does not constrain output to JSON.") }
        if chat.prediction != nil { throw V.unsupported("prediction", "this node does not use predicted outputs.") }
        if chat.webSearchOptions != nil { throw V.unsupported("web_search_options", "there is no web search.") }
        if chat.reasoningEffort != nil { throw V.unsupported("reasoning_effort", "the served models are not reasoning models.") }
        if chat.verbosity != nil { throw V.unsupported("verbosity", "the served models do not take a verbosity setting.") }
        if chat.store == true { throw V.unsupported("store", "completions are not stored.") }
        if let tier = chat.serviceTier, tier != "auto", tier != "default" { throw V.unsupported("service_tier", "there is one tier.") }
        if chat.streamOptions != nil, chat.stream != true {
            throw APIError.invalidRequest("stream_options is only allowed when stream is true.", param: "stream_options", code: "invalid_value")
        }
        guard !chat.messages.isEmpty else {
            throw APIError.invalidRequest("messages must have at least one message.", param: "messages", code: "invalid_value")
        }
        for (index, message) in chat.messages.enumerated() {
            if message.audio != nil { throw V.unsupported("messages[\(index)].audio", "audio input is not supported.") }
            if case .parts(let parts)? = message.content {
                for (position, part) in parts.enumerated() {
                    switch part {
                    case .text, .refusal: continue
                    default:
                        throw V.unsupported("messages[\(index)].content[\(position)]", "'\(part.typeName)' content is not supported; the served models read text.")
                    }
                }
            }
        }
    }

    /// Messages as the template sees them (dicts with the keys transformers passes).
    static func templateMessages(_ messages: [ChatMessage]) throws -> TemplateValue {
        .array(messages.map { message in
            var object = OrderedObject()
            object["role"] = .string(message.role.rawValue)
            object["content"] = message.content.map { .string($0.text) } ?? TemplateValue.none
            if let name = message.name { object["name"] = .string(name) }
            if let calls = message.toolCalls {
                object["tool_calls"] = .array(calls.map { call in
                    var function = OrderedObject()
                    function["name"] = .string(call.function.name)
                    function["arguments"] = (try? TemplateJSON.parse(call.function.arguments)) ?? .string(call.function.arguments)
                    return .object(OrderedObject([("id", .string(call.id)), ("type", .string(call.type)), ("function", .object(function))]))
                })
            }
            if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
            return .object(object)
        })
    }

    /// Builds responses from engine events.
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
        let promptTokens: Int

        func logprob(_ info: TokenLogprobs) -> TokenLogprob {
            TokenLogprob(
                token: String(decoding: info.bytes, as: UTF8.self), logprob: Double(info.logprob), bytes: info.bytes.map(Int.init),
                topLogprobs: info.top.map { TopLogprob(token: String(decoding: $0.bytes, as: UTF8.self), logprob: Double($0.logprob), bytes: $0.bytes.map(Int.init)) })
        }

        func whole(_ events: AsyncThrowingStream<CompletionEvent, any Error>, choices: Int, settle: @Sendable (Int) -> Void) async throws -> Response {
            var texts = [String](repeating: "", count: choices)
            var logprobs = [[TokenLogprob]](repeating: [], count: choices)
            var reasons = [FinishReason?](repeating: nil, count: choices)
            var completionTokens = 0, cachedTokens = 0
            var wantsLogprobs = false
            var clock = TokenClock(metrics: metrics, model: model, start: started, record: record)
            defer { settle(completionTokens) }
            for try await event in events {
                switch event {
                case .prompt(let cached):
                    cachedTokens = cached
                case .delta(let choice, let text, let token):
                    clock.tick()
                    texts[choice] += text
                    if let token {
                        wantsLogprobs = true
                        logprobs[choice].append(logprob(token))
                    }
                case .finished(let choice, let reason, let count):
                    reasons[choice] = reason
                    completionTokens += count
                }
            }
            if shutdown.isAborting { throw APIError.shuttingDown }
            let result = ChatCompletion(
                id: id, created: created, model: model,
                choices: (0..<choices).map { index in
                    ChatCompletion.Choice(
                        index: index, message: ChatCompletionMessage(content: texts[index]),
                        logprobs: wantsLogprobs ? ChatLogprobs(content: logprobs[index]) : nil, finishReason: reasons[index] ?? .length)
                },
                usage: Usage(promptTokens: promptTokens, completionTokens: completionTokens, promptTokensDetails: .init(cachedTokens: cachedTokens)),
                systemFingerprint: fingerprint)
            return Response.json(result)
        }

        func stream(
            _ request: Request, _ events: AsyncThrowingStream<CompletionEvent, any Error>, choices: Int, includeUsage: Bool,
            settle: @escaping @Sendable (Int) -> Void
        ) -> Response {
            let reply = self
            return ServerSentEvents.response(request) { writer in
                let usage: StreamUsage = includeUsage ? .null : .omitted
                func chunk(_ choices: [ChatCompletionChunk.Choice]) -> ChatCompletionChunk {
                    ChatCompletionChunk(id: reply.id, created: reply.created, model: reply.model, choices: choices, usage: usage, systemFingerprint: reply.fingerprint)
                }
                for index in 0..<choices {
                    try await writer.write(ServerSentEvents.event(chunk([.init(index: index, delta: .init(role: .assistant, content: ""))])))
                }
                var completionTokens = 0, cachedTokens = 0
                var clock = TokenClock(metrics: reply.metrics, model: reply.model, start: reply.started, record: reply.record)
                defer { settle(completionTokens) }
                do {
                    for try await event in events {
                        switch event {
                        case .prompt(let cached):
                            cachedTokens = cached
                        case .delta(let choice, let text, let token):
                            clock.tick()
                            guard !text.isEmpty || token != nil else { continue }
                            let logprobs = token.map { ChatLogprobs(content: [reply.logprob($0)]) }
                            try await writer.write(ServerSentEvents.event(chunk([.init(index: choice, delta: .init(content: text), logprobs: logprobs)])))
                        case .finished(let choice, let reason, let count):
                            completionTokens += count
                            try await writer.write(ServerSentEvents.event(chunk([.init(index: choice, delta: .init(), finishReason: reason)])))
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
                    last.usage = .value(Usage(promptTokens: reply.promptTokens, completionTokens: completionTokens, promptTokensDetails: .init(cachedTokens: cachedTokens)))
                    try await writer.write(ServerSentEvents.event(last))
                }
                try await writer.write(ServerSentEvents.done)
            }
        }
    }
}
