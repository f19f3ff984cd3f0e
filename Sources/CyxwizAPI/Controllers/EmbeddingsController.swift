import Foundation
import HTTPTypes
import Hummingbird
import NodeInference

/// `POST /v1/embeddings` in OpenAI's shape.
struct EmbeddingsController {
    let configuration: ServerConfiguration
    let host: ModelHost
    let limiter: RateLimiter

    /// OpenAI's own limit on inputs per request.
    static let maxInputs = 2048
    static let truncatedHeader = HTTPField.Name("x-cyxwiz-truncated-inputs")!

    var endpoints: [Endpoint] {
        [.post("/v1/embeddings") { request, context in try await embed(request, caller: context.callerIdentity, record: context.record) }]
    }

    func embed(_ request: Request, caller: String, record: RequestRecord) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: configuration.api.maxBodyBytes)
        let decoded = try WireFormat.decode(EmbeddingRequest.self, from: Data(buffer: body))
        guard let settings = configuration.model(id: decoded.model) else { throw APIError.modelNotFound(decoded.model) }
        guard settings.kind == .embedding, let embedder = host.embedders[settings.id] else {
            throw APIError.wrongModelType(id: settings.id, kind: settings.kind, endpoint: "/v1/embeddings", expected: .embedding)
        }
        let inputs = try Self.inputs(decoded.input, vocabularySize: embedder.vocabularySize)
        let width = settings.dimensions ?? embedder.dimensions
        var dimensions = width
        if let requested = decoded.dimensions {
            guard requested >= 1, requested <= width else {
                throw APIError.invalidRequest(
                    "dimensions must be between 1 and \(width) for model '\(settings.id)'; got \(requested).",
                    param: "dimensions", code: "invalid_value")
            }
            dimensions = requested
        }

        let embeddings: [EmbeddingModel.Embedding]
        do {
            embeddings = try await embedder.embed(inputs, truncation: settings.truncateInputs ? .truncate : .reject)
        } catch EmbeddingError.inputTooLong(let index, let tokens, let limit) {
            throw APIError.invalidRequest(
                "This model's maximum context length is \(limit) tokens, however input \(index) has \(tokens) tokens. Shorten the input.",
                param: "input", code: "context_length_exceeded")
        }

        let format = decoded.encodingFormat ?? .float
        var data: [Embedding] = []
        data.reserveCapacity(embeddings.count)
        for (index, embedding) in embeddings.enumerated() {
            var vector = embedding.vector
            if dimensions < vector.count {
                // Shortened vectors are scaled back to unit length, as OpenAI's are.
                vector.removeLast(vector.count - dimensions)
                EmbeddingModel.normalize(&vector)
            }
            data.append(Embedding(embedding: EmbeddingVector(vector, format: format), index: index))
        }
        let promptTokens = embeddings.reduce(0) { $0 + $1.tokenCount }
        limiter.record(caller, tokens: promptTokens)
        record["model"] = settings.id
        record["prompt_tokens"] = String(promptTokens)
        var response = Response.json(EmbeddingList(data: data, model: settings.id, usage: EmbeddingUsage(promptTokens: promptTokens)))
        let truncated = embeddings.indices.filter { embeddings[$0].truncated }
        if !truncated.isEmpty {
            response.headers[Self.truncatedHeader] = truncated.map(String.init).joined(separator: ",")
        }
        return response
    }

    /// The request's inputs, checked as OpenAI checks them.
    static func inputs(_ input: PromptInput, vocabularySize: Int) throws -> [EmbeddingModel.Input] {
        let inputs: [EmbeddingModel.Input]
        switch input {
        case .text(let text): inputs = [.text(text)]
        case .texts(let texts): inputs = texts.map { .text($0) }
        case .tokens(let tokens): inputs = [.tokens(tokens)]
        case .tokenBatches(let batches): inputs = batches.map { .tokens($0) }
        }
        guard !inputs.isEmpty else {
            throw APIError.invalidRequest("'input' must not be empty.", param: "input", code: "invalid_value")
        }
        guard inputs.count <= maxInputs else {
            throw APIError.invalidRequest(
                "'input' has \(inputs.count) items; at most \(maxInputs) are allowed per request.", param: "input", code: "invalid_value")
        }
        for (index, item) in inputs.enumerated() {
            switch item {
            case .text(let text) where text.isEmpty:
                throw APIError.invalidRequest("'input[\(index)]' must not be an empty string.", param: "input", code: "invalid_value")
            case .tokens(let tokens) where tokens.isEmpty:
                throw APIError.invalidRequest("'input[\(index)]' must not be an empty token list.", param: "input", code: "invalid_value")
            case .tokens(let tokens):
                if let bad = tokens.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                    throw APIError.invalidRequest(
                        "'input[\(index)]' has token id \(bad), outside this model's vocabulary (0..<\(vocabularySize)).",
                        param: "input", code: "invalid_value")
                }
            default:
                break
            }
        }
        return inputs
    }
}
