import Foundation
import Hummingbird
import NodeInference

/// `POST /tokenize` and `POST /detokenize`, shaped as vLLM's, for people debugging prompts.
struct TokenizeController {
    let configuration: ServerConfiguration
    let host: ModelHost

    struct TokenizeRequest: Decodable {
        var model: String
        var prompt: String?
        var messages: [ChatMessage]?
        var addGenerationPrompt: Bool?
        var addSpecialTokens: Bool?

        enum CodingKeys: String, CodingKey {
            case model, prompt, messages
            case addGenerationPrompt = "add_generation_prompt"
            case addSpecialTokens = "add_special_tokens"
        }
    }

    struct TokenizeResponse: Encodable {
        var tokens: [Int]
        var count: Int
        var maxModelLen: Int
        var prompt: String?

        enum CodingKeys: String, CodingKey {
            case tokens, count, prompt
            case maxModelLen = "max_model_len"
        }
    }

    struct DetokenizeRequest: Decodable {
        var model: String
        var tokens: [Int]
    }

    struct DetokenizeResponse: Encodable {
        var prompt: String
    }


    var endpoints: [Endpoint] {
        [
            .post("/tokenize") { request, _ in try await tokenize(request) },
            .post("/detokenize") { request, _ in try await detokenize(request) },
        ]
    }

    func model(_ id: String) throws -> (ModelSettings, ServedLanguageModel) {
        guard let settings = configuration.model(id: id) else { throw APIError.modelNotFound(id) }
        guard let served = host.languageModels[settings.id] else {
            throw APIError.wrongModelType(id: settings.id, kind: settings.kind, endpoint: "/tokenize", expected: .chat)
        }
        return (settings, served)
    }

    func tokenize(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: configuration.api.maxBodyBytes)
        let input = try WireFormat.decode(TokenizeRequest.self, from: Data(buffer: body))
        let (settings, served) = try model(input.model)
        let tokenizer = served.worker.model.tokenizer
        let context = min(settings.contextLength ?? served.worker.model.contextLength, served.worker.model.contextLength)
        switch (input.prompt, input.messages) {
        case (let prompt?, nil):
            let tokens = tokenizer.encode(prompt, parseSpecial: true, addSpecial: input.addSpecialTokens ?? true)
            return Response.json(TokenizeResponse(tokens: tokens, count: tokens.count, maxModelLen: context))
        case (nil, let messages?):
            guard let template = served.template else {
                throw APIError.invalidRequest("'messages' needs a chat model; '\(settings.id)' is a \(settings.kind.rawValue) model.", param: "messages", code: "invalid_value")
            }
            try ChatCompletionsController.refuseUnsupported(ChatCompletionRequest(model: input.model, messages: messages))
            let rendered: String
            do {
                rendered = try template.render(
                    messages: try ChatCompletionsController.templateMessages(messages), addGenerationPrompt: input.addGenerationPrompt ?? true,
                    bosToken: served.bosToken, eosToken: served.eosToken)
            } catch {
                throw APIError.invalidRequest("\(error)", param: "messages", code: "invalid_messages")
            }
            let tokens = tokenizer.encode(rendered, parseSpecial: true, addSpecial: input.addSpecialTokens ?? false)
            return Response.json(TokenizeResponse(tokens: tokens, count: tokens.count, maxModelLen: context, prompt: rendered))
        default:
            throw APIError.invalidRequest("Give either 'prompt' or 'messages'.", param: "prompt", code: "invalid_value")
        }
    }

    func detokenize(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: configuration.api.maxBodyBytes)
        let input = try WireFormat.decode(DetokenizeRequest.self, from: Data(buffer: body))
        let (_, served) = try model(input.model)
        let tokenizer = served.worker.model.tokenizer
        if let bad = input.tokens.first(where: { $0 < 0 || $0 >= tokenizer.vocabularySize }) {
            throw APIError.invalidRequest("token id \(bad) is outside the vocabulary (0..<\(tokenizer.vocabularySize)).", param: "tokens", code: "invalid_value")
        }
        return Response.json(DetokenizeResponse(prompt: tokenizer.decode(input.tokens)))
    }
}
