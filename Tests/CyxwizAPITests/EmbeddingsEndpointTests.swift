import CyxwizAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NodeInference
import Testing

/// A deterministic stand-in: vector i is (i+1, 1, 0, 0...) scaled to unit length, so tests can
/// check order, truncation and re-normalisation without the real model.
struct FakeEmbedder: TextEmbedder {
    var dimensions = 8
    var maxInputTokens = 6
    var vocabularySize = 100

    func embed(_ inputs: [EmbeddingModel.Input], truncation: EmbeddingModel.Truncation) async throws -> [EmbeddingModel.Embedding] {
        try inputs.enumerated().map { index, input in
            let tokens: Int
            switch input {
            case .text(let text): tokens = text.split(separator: " ").count + 2
            case .tokens(let ids): tokens = ids.count + 2
            }
            if tokens > maxInputTokens, truncation == .reject {
                throw EmbeddingError.inputTooLong(index: index, tokens: tokens, limit: maxInputTokens)
            }
            var vector = [Float](repeating: 0, count: dimensions)
            vector[0] = Float(index + 1)
            vector[1] = 1
            EmbeddingModel.normalize(&vector)
            return .init(vector: vector, tokenCount: min(tokens, maxInputTokens), truncated: tokens > maxInputTokens)
        }
    }
}

@Suite("POST /v1/embeddings")
struct EmbeddingsEndpointTests {
    let configuration: ServerConfiguration

    init() throws {
        configuration = try ScratchFolder().parse(minimalConfiguration.replacingOccurrences(of: "dimensions = 384", with: ""))
    }

    func app(_ configuration: ServerConfiguration? = nil) -> some ApplicationProtocol {
        Application(router: buildRouter(configuration: configuration ?? self.configuration, host: ModelHost(embedders: ["embed": FakeEmbedder()])))
    }

    func post(_ client: some TestClientProtocol, _ body: String, check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
        try await client.execute(
            uri: "/v1/embeddings", method: .post, headers: [.authorization: "Bearer file-key", .contentType: "application/json"],
            body: ByteBuffer(string: body)
        ) { response in try check(response) }
    }

    @Test func floatVectorsInInputOrderWithUsage() async throws {
        try await app().test(.router) { client in
            try await post(client, #"{"model":"embed","input":["a b","c"]}"#) { response in
                #expect(response.status == .ok)
                let list = try JSONDecoder().decode(EmbeddingList.self, from: Data(buffer: response.body))
                #expect(list.object == "list")
                #expect(list.model == "embed")
                #expect(list.data.map(\.index) == [0, 1])
                #expect(list.data.allSatisfy { $0.object == "embedding" })
                #expect(list.data[1].embedding.values?.first.map { abs($0 - 2 / Float(5).squareRoot()) < 1e-6 } == true)
                #expect(list.usage == EmbeddingUsage(promptTokens: 4 + 3))
                #expect(response.headers[HTTPField.Name("x-cyxwiz-truncated-inputs")!] == nil)
            }
        }
    }

    @Test func base64IsLittleEndianFloat32OfTheSameVector() async throws {
        try await app().test(.router) { client in
            try await post(client, #"{"model":"embed","input":"x","encoding_format":"base64"}"#) { response in
                let text = String(buffer: response.body)
                let list = try JSONDecoder().decode(EmbeddingList.self, from: Data(buffer: response.body))
                guard case .base64 = list.data[0].embedding else { Issue.record("not base64: \(text)"); return }
                let values = try #require(list.data[0].embedding.values)
                #expect(values.count == 8)
                #expect(abs(values[0] - 1 / Float(2).squareRoot()) < 1e-7)
            }
        }
    }

    @Test func tokenInputsAndDimensions() async throws {
        try await app().test(.router) { client in
            try await post(client, #"{"model":"embed","input":[[1,2],[3]],"dimensions":2}"#) { response in
                let list = try JSONDecoder().decode(EmbeddingList.self, from: Data(buffer: response.body))
                #expect(list.data.count == 2)
                for item in list.data {
                    let values = try #require(item.embedding.values)
                    #expect(values.count == 2)
                    #expect(abs(values.reduce(0) { $0 + $1 * $1 } - 1) < 1e-6)  // re-normalised
                }
            }
        }
    }

    @Test func truncationIsReported() async throws {
        try await app().test(.router) { client in
            try await post(client, #"{"model":"embed","input":["one two three four five six", "short"]}"#) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("x-cyxwiz-truncated-inputs")!] == "0")
            }
        }
    }

    @Test func rejectionWhenConfigured() async throws {
        var configuration = self.configuration
        configuration.models[1].truncateInputs = false
        try await app(configuration).test(.router) { client in
            try await post(client, #"{"model":"embed","input":["short", "one two three four five six"]}"#) { response in
                #expect(response.status == .badRequest)
                let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(buffer: response.body)).error
                #expect(error.code == "context_length_exceeded")
                #expect(error.param == "input")
            }
        }
    }

    @Test(arguments: [
        (#"{"model":"embed","input":[]}"#, "input", "invalid_value"),
        (#"{"model":"embed","input":""}"#, "input", "invalid_value"),
        (#"{"model":"embed","input":["ok",""]}"#, "input", "invalid_value"),
        (#"{"model":"embed","input":[[]]}"#, "input", "invalid_value"),
        (#"{"model":"embed","input":[[1, 500]]}"#, "input", "invalid_value"),
        (#"{"model":"embed","input":"x","dimensions":9}"#, "dimensions", "invalid_value"),
        (#"{"model":"embed","input":"x","dimensions":0}"#, "dimensions", "invalid_value"),
        (#"{"model":"embed","input":"x","encoding_format":"int8"}"#, "encoding_format", "invalid_type"),
        (#"{"model":"embed","input":3}"#, "input", "invalid_type"),
        (#"{"input":"x"}"#, "model", "invalid_type"),
        (#"{"model":"chat","input":"x"}"#, "model", "model_not_supported"),
        ("not json", nil, "invalid_json"),
    ])
    func badRequestsAre400NamingTheParameter(_ body: String, _ param: String?, _ code: String) async throws {
        try await app().test(.router) { client in
            try await post(client, body) { response in
                #expect(response.status == .badRequest, "\(body)")
                let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(buffer: response.body)).error
                #expect(error.param == param, "\(body): \(error.message)")
                #expect(error.code == code, "\(body): \(error.message)")
                #expect(error.type == "invalid_request_error")
            }
        }
    }

    @Test func tooManyInputs() async throws {
        let body = #"{"model":"embed","input":["# + Array(repeating: #""x""#, count: 2049).joined(separator: ",") + "]}"
        try await app().test(.router) { client in
            try await post(client, body) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("2048"))
            }
        }
    }

    @Test func unknownModelIs404() async throws {
        try await app().test(.router) { client in
            try await post(client, #"{"model":"nope","input":"x"}"#) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("model_not_found"))
            }
        }
    }
}
