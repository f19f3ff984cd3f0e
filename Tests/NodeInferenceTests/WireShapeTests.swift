import Foundation
import NodeInference
import Testing

@Suite("Wire union shapes, explicit nulls and field-naming errors")
struct WireShapeTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws(RequestDecodingError) -> T {
        try WireFormat.decode(type, from: Data(json.utf8))
    }

    @Test func messageContentIsStringOrParts() throws {
        let text = try decode(ChatMessage.self, #"{"role":"user","content":"hi"}"#)
        #expect(text.content == .text("hi"))
        let parts = try decode(
            ChatMessage.self,
            #"{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"},{"type":"image_url","image_url":{"url":"data:x","detail":"low"}}]}"#
        )
        #expect(parts.content?.text == "ab")
        if case .parts(let list) = parts.content {
            #expect(list.map(\.typeName) == ["text", "text", "image_url"])
        } else {
            Issue.record("expected parts")
        }
    }

    @Test func stopIsStringOrArray() throws {
        #expect(try decode(StopSequences.self, #""END""#).values == ["END"])
        #expect(try decode(StopSequences.self, #"["a","b"]"#).values == ["a", "b"])
        #expect(throws: RequestDecodingError.self) { try decode(StopSequences.self, "3") }
    }

    @Test func inputHasFourShapes() throws {
        #expect(try decode(PromptInput.self, #""x""#) == .text("x"))
        #expect(try decode(PromptInput.self, #"["x","y"]"#) == .texts(["x", "y"]))
        #expect(try decode(PromptInput.self, "[1,2,3]") == .tokens([1, 2, 3]))
        #expect(try decode(PromptInput.self, "[[1],[2,3]]") == .tokenBatches([[1], [2, 3]]))
        #expect(throws: RequestDecodingError.self) { try decode(PromptInput.self, #"[1,"x"]"#) }
        #expect(try decode(PromptInput.self, "[[1],[2,3]]").count == 2)
    }

    @Test func toolChoiceIsStringOrObject() throws {
        #expect(try decode(ToolChoice.self, #""none""#) == ToolChoice.none)
        #expect(try decode(ToolChoice.self, #""required""#) == .required)
        #expect(try decode(ToolChoice.self, #"{"type":"function","function":{"name":"f"}}"#) == .function(name: "f"))
        #expect(throws: RequestDecodingError.self) { try decode(ToolChoice.self, #""sometimes""#) }
    }

    @Test func nullFieldsAreEncodedAsNull() throws {
        let chunkChoice = try jsonObject(ChatCompletionChunk.Choice(index: 0, delta: .init(content: "x")))
        #expect(chunkChoice["finish_reason"] is NSNull)
        #expect(chunkChoice["logprobs"] is NSNull)

        let error = try jsonObject(ErrorObject(message: "m", type: "t"))
        #expect(error["param"] is NSNull)
        #expect(error["code"] is NSNull)

        let choice = try jsonObject(
            ChatCompletion.Choice(index: 0, message: ChatCompletionMessage(content: "x"), finishReason: .stop))
        #expect(choice["logprobs"] is NSNull)
        let message = try #require(choice["message"] as? [String: Any])
        #expect(message["refusal"] is NSNull)

        let completionChoice = try jsonObject(Completion.Choice(text: "t", index: 0, finishReason: nil))
        #expect(completionChoice["logprobs"] is NSNull)
        #expect(completionChoice["finish_reason"] is NSNull)

        let echoed = try jsonObject(
            CompletionLogprobs(tokens: ["a", "b"], tokenLogprobs: [nil, -1], topLogprobs: [nil, ["b": -1]], textOffset: [0, 1]))
        #expect((echoed["token_logprobs"] as? [Any])?.first is NSNull)
    }

    @Test func streamUsageHasThreeStates() throws {
        func chunk(_ usage: StreamUsage) throws -> [String: Any] {
            try jsonObject(ChatCompletionChunk(id: "c", created: 1, model: "m", choices: [], usage: usage))
        }
        #expect(try chunk(.omitted)["usage"] == nil)
        #expect(try chunk(.null)["usage"] is NSNull)
        #expect((try chunk(.value(Usage(promptTokens: 3, completionTokens: 4)))["usage"] as? [String: Any])?["total_tokens"] as? Int == 7)
    }

    @Test func slashesAreNotEscaped() throws {
        let data = try WireFormat.makeEncoder().encode(Model(id: "org/model", created: 0, ownedBy: "me"))
        #expect(String(decoding: data, as: UTF8.self).contains(#""org/model""#))
    }

    @Test func unknownFieldsAreIgnored() throws {
        let request = try decode(
            ChatCompletionRequest.self, #"{"model":"m","messages":[],"some_future_field":{"x":[1,2]},"another":true}"#)
        #expect(request.model == "m")
    }

    @Test(arguments: [
        (#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":42}]}"#, "messages[1].content"),
        (#"{"model":"m","messages":[],"temperature":"hot"}"#, "temperature"),
        (#"{"messages":[]}"#, "model"),
        (#"{"model":"m","messages":[{"role":"wizard","content":"a"}]}"#, "messages[0].role"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"video","video":{}}]}]}"#, "messages[0].content[0].type"),
        (#"{"model":"m","messages":[],"stop":7}"#, "stop"),
        (#"{"model":"m","messages":[],"n":null}"#, nil as String?),
        (#"{"model":"m","messages":[],"max_tokens":1.5}"#, "max_tokens"),
        (#"{"model":"m","messages":[],"temperature":0.7,"seed":1e30}"#, "seed"),
        (#"{"model":"m","messages":[],"logit_bias":{"1":0.5},"n":2.5}"#, "n"),
        (#"{"model":"m","messages":[],"tools":[{"type":"function","function":{}}]}"#, "tools[0].function.name"),
    ])
    func wrongTypesNameTheField(_ body: String, _ param: String?) throws {
        do {
            _ = try decode(ChatCompletionRequest.self, body)
            #expect(param == nil, "expected an error naming \(param ?? "-")")
        } catch {
            #expect(error.param == param, "\(error.message)")
            if let param { #expect(error.message.contains(param)) }
        }
    }

    @Test(arguments: ["", "{", "not json", "[1,2", #"{"model": "m", "messages": [}"#])
    func malformedJSONHasNoParam(_ body: String) throws {
        #expect(throws: RequestDecodingError(message: "The request body is not valid JSON.", param: nil)) {
            try decode(ChatCompletionRequest.self, body)
        }
    }

    @Test func embeddingBase64IsLittleEndianFloat32() throws {
        let values: [Float] = [0, 1, -2.5, .pi, 1e-20]
        let vector = EmbeddingVector(values, format: .base64)
        guard case .base64(let text) = vector else {
            Issue.record("expected base64")
            return
        }
        let bytes = try #require(Data(base64Encoded: text))
        #expect(bytes.count == values.count * 4)
        #expect(Array(bytes.prefix(8)) == [0, 0, 0, 0, 0, 0, 0x80, 0x3F])  // 0.0, then 1.0 = 0x3F800000 little-endian
        #expect(vector.values == values)
        #expect(EmbeddingVector(values, format: .float).values == values)
    }
}
