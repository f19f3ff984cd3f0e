import Foundation
import NodeInference
import Testing

/// Each example body of OpenAI's API reference decodes into our types and encodes back to the
/// same JSON: nothing a client or OpenAI sends is lost or reshaped by the types.
@Suite("OpenAI reference bodies round-trip")
struct WireRoundTripTests {
    func roundTrip<T: Codable>(_ type: T.Type, _ fixture: String) throws {
        let data = try Fixtures.data(fixture)
        let original = try JSONDecoder().decode(JSONValue.self, from: data)
        let decoded = try WireFormat.decode(type, from: data)
        let reencoded = try encodeToJSON(decoded)
        #expect(jsonEquivalent(original, reencoded), "\(fixture) changed in a round trip:\n\(reencoded)")
    }

    @Test(arguments: [
        "chat-request-default.json", "chat-request-image.json", "chat-request-streaming.json",
        "chat-request-functions.json", "chat-request-tool-result.json", "chat-request-logprobs.json",
    ])
    func chatRequests(_ fixture: String) throws {
        try roundTrip(ChatCompletionRequest.self, fixture)
    }

    @Test(arguments: ["chat-response-default.json", "chat-response-functions.json", "chat-response-logprobs.json"])
    func chatResponses(_ fixture: String) throws {
        try roundTrip(ChatCompletion.self, fixture)
    }

    @Test func chatChunks() throws {
        try roundTrip([ChatCompletionChunk].self, "chat-chunks.json")
    }

    @Test(arguments: ["completion-request.json", "completion-request-full.json"])
    func completionRequests(_ fixture: String) throws {
        try roundTrip(CompletionRequest.self, fixture)
    }

    @Test(arguments: ["completion-response.json", "completion-response-logprobs.json", "completion-chunk.json"])
    func completionResponses(_ fixture: String) throws {
        try roundTrip(Completion.self, fixture)
    }

    @Test(arguments: ["embeddings-request.json", "embeddings-request-tokens.json"])
    func embeddingRequests(_ fixture: String) throws {
        try roundTrip(EmbeddingRequest.self, fixture)
    }

    @Test func embeddingResponse() throws {
        try roundTrip(EmbeddingList.self, "embeddings-response.json")
    }

    @Test func models() throws {
        try roundTrip(ModelList.self, "models-list.json")
        try roundTrip(Model.self, "model.json")
    }

    @Test func errorEnvelope() throws {
        try roundTrip(ErrorResponse.self, "error.json")
    }

    @Test func decodedValuesAreTheOnesSent() throws {
        let request = try WireFormat.decode(ChatCompletionRequest.self, from: Fixtures.data("chat-request-tool-result.json"))
        #expect(request.messages.count == 3)
        #expect(request.messages[1].content == nil)
        #expect(request.messages[1].toolCalls?.first?.function.name == "get_current_weather")
        #expect(request.messages[2].toolCallID == "call_abc123")
        #expect(request.toolChoice == .function(name: "get_current_weather"))
        #expect(request.stop?.values == ["\n\n", "END"])
        #expect(request.logitBias?["50256"] == -100)
        #expect(request.maxCompletionTokens == 64)
        #expect(request.seed == 42)

        let completion = try WireFormat.decode(CompletionRequest.self, from: Fixtures.data("completion-request-full.json"))
        #expect(completion.prompt == .tokenBatches([[1212, 318, 257, 1332], [40, 588]]))
        #expect(completion.logprobs == 5)
        #expect(completion.echo == true)
        #expect(completion.stop == StopSequences(single: "\n"))

        let chunks = try WireFormat.decode([ChatCompletionChunk].self, from: Fixtures.data("chat-chunks.json"))
        #expect(chunks.map(\.usage) == [.null, .null, .null, .value(Usage(promptTokens: 9, completionTokens: 2))])
        #expect(chunks[0].choices[0].delta.role == .assistant)
        #expect(chunks[2].choices[0].finishReason == .stop)
    }
}
