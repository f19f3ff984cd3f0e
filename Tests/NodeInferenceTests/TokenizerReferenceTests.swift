import Foundation
import NodeInference
import Testing

/// Our byte-level BPE against Python's `tokenizers` built from the same GGUF vocabulary, on the
/// committed corpus (Fixtures/tokenizer/corpus.json; reference made by `make reference`).
@Suite("Tokenizer against Python tokenizers", .serialized)
struct TokenizerReferenceTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            var text: String
            var ids: [Int]
            var plain_ids: [Int]
            var decoded: String
        }
        var cases: [Case]
        var splits: [String: [[String]]]
    }

    static let tokenizer: Result<any Tokenizer, any Error> = Result {
        try RealModel.requireFile(RealModel.smolLM2, command: "make models")
        return try GGUFTokenizer.load(GGUFFile(path: RealModel.smolLM2))
    }

    static func reference() throws -> Reference {
        let path = RealModel.root.appendingPathComponent(".cache/reference/tokenizer.json").path
        try RealModel.requireFile(path, command: "make reference")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func corpusIsLargeEnough() throws {
        #expect(try Self.reference().cases.count >= 60)
    }

    @Test func idsMatchWithSpecialTokensParsed() throws {
        let tokenizer = try Self.tokenizer.get()
        for item in try Self.reference().cases {
            #expect(tokenizer.encode(item.text, parseSpecial: true, addSpecial: false) == item.ids, "\(item.text.debugDescription)")
        }
    }

    @Test func specialTokenTextIsPlainWithoutParsing() throws {
        let tokenizer = try Self.tokenizer.get()
        for item in try Self.reference().cases {
            let ids = tokenizer.encode(item.text, parseSpecial: false, addSpecial: false)
            #expect(ids == item.plain_ids, "\(item.text.debugDescription)")
            #expect(!ids.contains { tokenizer.isControl($0) }, "control token from plain text: \(item.text.debugDescription)")
        }
    }

    @Test func everyStringDecodesBackToItself() throws {
        let tokenizer = try Self.tokenizer.get()
        for item in try Self.reference().cases {
            #expect(tokenizer.decode(item.ids) == item.text, "\(item.text.debugDescription)")
            #expect(item.decoded == item.text)
        }
    }

    /// Token by token, the streaming detokenizer yields the same text and never a partial
    /// character (no U+FFFD appears in text that had none).
    @Test func streamingDecodeNeverBreaksCharacters() throws {
        let tokenizer = try Self.tokenizer.get()
        for item in try Self.reference().cases {
            var detokenizer = StreamingDetokenizer()
            var text = ""
            for id in item.ids {
                let piece = detokenizer.append(tokenizer.bytes(of: id))
                #expect(!piece.contains("\u{FFFD}"))
                text += piece
            }
            text += detokenizer.flush()
            #expect(text == item.text, "\(item.text.debugDescription)")
        }
    }

    @Test(arguments: [("gpt2", PreTokenizer.gpt2), ("smollm", .smollm), ("llama3", .llama3), ("qwen2", .qwen2)])
    func preTokenizerSplitsMatch(_ name: String, _ preTokenizer: PreTokenizer) throws {
        let reference = try Self.reference()
        let expected = try #require(reference.splits[name])
        for (item, pieces) in zip(reference.cases, expected) {
            #expect(preTokenizer.split(item.text).map(String.init) == pieces, "\(name): \(item.text.debugDescription)")
        }
    }

    @Test func metadataTokens() throws {
        let tokenizer = try Self.tokenizer.get()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.endOfGenerationTokens.contains(2))  // <|im_end|>
        #expect(tokenizer.isControl(1))
        #expect(tokenizer.piece(of: 4093) == "user")
    }
}
