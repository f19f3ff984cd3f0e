import Foundation
import NodeInference
import Testing

/// SentencePiece BPE with byte fallback (a tiny model trained by Scripts/make-spm-fixture.py
/// and written as a GGUF) against `sentencepiece` itself, which the script checks against
/// Python `tokenizers` built the way Hugging Face converts Llama tokenizers.
@Suite("SentencePiece BPE against sentencepiece")
struct SentencePieceTests {
    struct Reference: Decodable {
        struct Case: Decodable { var text: String; var ids: [Int]; var decoded: String }
        var cases: [Case]
    }

    static let folder = RealModel.root.appendingPathComponent(".cache/fixtures/spm")

    func load() throws -> (any Tokenizer, Reference) {
        let gguf = Self.folder.appendingPathComponent("spm.gguf").path
        let referencePath = Self.folder.appendingPathComponent("reference.json").path
        try RealModel.requireFile(referencePath, command: "make reference")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: referencePath)))
        return (try GGUFTokenizer.load(GGUFFile(path: gguf)), reference)
    }

    @Test func idsMatchOnTheCorpus() throws {
        let (tokenizer, reference) = try load()
        #expect(reference.cases.count >= 60)
        for item in reference.cases {
            #expect(tokenizer.encode(item.text, parseSpecial: false, addSpecial: false) == item.ids, "\(item.text.debugDescription)")
        }
    }

    @Test func decodingRestoresTheText() throws {
        let (tokenizer, reference) = try load()
        for item in reference.cases {
            #expect(tokenizer.decode(item.ids) == item.decoded, "\(item.text.debugDescription)")
            #expect(item.decoded == item.text)
        }
    }

    @Test func specialTokensAndBOS() throws {
        let (tokenizer, _) = try load()
        #expect(tokenizer.beginningOfSequenceToken == 1)
        #expect(tokenizer.encode("Hi", parseSpecial: false, addSpecial: true).first == 1)
        // `</s>` text becomes the control token only when parsing specials, and a space prefix
        // follows it as it follows the start.
        let parsed = tokenizer.encode("Hi</s>Hi", parseSpecial: true, addSpecial: false)
        #expect(parsed.contains(2))
        let hi = tokenizer.encode("Hi", parseSpecial: false, addSpecial: false)
        #expect(parsed == hi + [2] + hi)
        #expect(!tokenizer.encode("Hi</s>Hi", parseSpecial: false, addSpecial: false).contains(2))
        #expect(tokenizer.endOfGenerationTokens.contains(2))
    }
}
