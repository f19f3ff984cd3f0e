import Foundation
import NodeInference
import Testing

/// all-MiniLM-L6-v2 against the numpy reference (Scripts/reference_bert.py) on the committed
/// corpus, and against the figures sentence-transformers publishes.
@Suite("BERT embeddings against the numpy reference", .serialized)
struct EmbeddingReferenceTests {
    struct Reference: Decodable {
        struct Case: Decodable { var text: String; var ids: [Int]; var embedding: [Double] }
        var max_seq_length: Int
        var quickstart_similarities: [Double]
        var cases: [Case]
    }

    static let folder = RealModel.root.appendingPathComponent("models/all-MiniLM-L6-v2").path
    static let model: Result<EmbeddingModel, any Error> = Result {
        try RealModel.requireFile(folder + "/model.safetensors", command: "make models")
        return try EmbeddingModel(folder: folder)
    }

    static func reference() throws -> Reference {
        let path = RealModel.root.appendingPathComponent(".cache/reference/minilm.json").path
        try RealModel.requireFile(path, command: "make reference")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func cosine(_ a: [Float], _ b: [Double]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * y
            na += Double(x) * Double(x)
            nb += y * y
        }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }

    @Test func configurationFollowsTheFolder() throws {
        let model = try Self.model.get()
        #expect(model.dimensions == 384)
        #expect(model.maxSequenceLength == 256)
        #expect(model.pooling == "mean")
        #expect(model.normalizes)
    }

    @Test func tokenIDsAreIdentical() throws {
        let model = try Self.model.get()
        let reference = try Self.reference()
        #expect(reference.cases.count >= 30)
        for item in reference.cases {
            #expect(model.tokenize(.text(item.text)).ids == item.ids, "\(item.text.prefix(60).debugDescription)")
        }
    }

    @Test func vectorsAgree() throws {
        let model = try Self.model.get()
        let reference = try Self.reference()
        let ours = try model.embed(reference.cases.map { .text($0.text) })
        var worst = 1.0
        for (item, embedding) in zip(reference.cases, ours) {
            let similarity = Self.cosine(embedding.vector, item.embedding)
            worst = min(worst, similarity)
            #expect(similarity >= 0.9999, "\(item.text.prefix(60).debugDescription): cosine \(similarity)")
            #expect(embedding.tokenCount == item.ids.count)
        }
        print("embeddings: worst cosine similarity to the reference \(worst) over \(ours.count) inputs")
    }

    /// sentence-transformers' quickstart for all-MiniLM-L6-v2 publishes these similarities.
    @Test func publishedQuickstartFigures() throws {
        let model = try Self.model.get()
        let vectors = try model.embed(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."].map { .text($0) })
            .map(\.vector)
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        let figures = [dot(vectors[0], vectors[1]), dot(vectors[0], vectors[2]), dot(vectors[1], vectors[2])]
        for (ours, published) in zip(figures, [0.6660, 0.1046, 0.1411]) {
            #expect(abs(ours - published) < 6e-4, "\(ours) vs \(published)")
        }
    }

    @Test func batchingDoesNotChangeVectors() throws {
        let model = try Self.model.get()
        // Together over 64 rows, alone under: the products split their work differently.
        let texts = ["short", "a somewhat longer sentence about nothing in particular", "mid length text",
                     String(repeating: "many words in a row ", count: 10)]
        let together = try model.embed(texts.map { .text($0) })
        for (index, text) in texts.enumerated() {
            let alone = try model.embed([.text(text)])[0]
            // Exactly: every step computes a row from that row (and its own sequence) alone.
            #expect(alone.vector == together[index].vector)
        }
    }

    @Test func overLongInputsTruncateOrAreRefused() throws {
        let model = try Self.model.get()
        let long = String(repeating: "word ", count: 400)
        let cut = try model.embed([.text(long)])[0]
        #expect(cut.truncated)
        #expect(cut.tokenCount == 256)
        #expect(throws: EmbeddingError.inputTooLong(index: 1, tokens: 402, limit: 256)) {
            try model.embed([.text("fine"), .text(long)], truncation: .reject)
        }
        #expect(try model.embed([.text("fine")], truncation: .reject)[0].truncated == false)
    }

    @Test func tokenInputsMatchTextInputs() throws {
        let model = try Self.model.get()
        let ids = model.tokenize(.text("The weather is lovely today.")).ids
        let fromTokens = try model.embed([.tokens(Array(ids.dropFirst().dropLast()))])[0]
        let fromText = try model.embed([.text("The weather is lovely today.")])[0]
        #expect(fromTokens.vector == fromText.vector)
        #expect(throws: EmbeddingError.tokenOutOfRange(index: 0, token: 999_999, vocabularySize: 30522)) {
            try model.embed([.tokens([5, 999_999])])
        }
    }
}
