// Embeds a handful of documents with the NodeInference library (no HTTP) and ranks them
// against a query by cosine similarity.
//
//   swift run -c release SemanticSearch [MODEL_FOLDER] ["query"]
import Foundation
import NodeInference

let arguments = CommandLine.arguments
let folder = arguments.count > 1 ? arguments[1] : "models/all-MiniLM-L6-v2"
let query = arguments.count > 2 ? arguments[2] : "How do I keep my houseplants alive?"

let documents = [
    "Water succulents sparingly and give them plenty of direct sunlight.",
    "The central bank raised interest rates by a quarter of a percentage point.",
    "Most indoor plants die from overwatering rather than from neglect.",
    "The striker scored twice in the second half to win the match.",
    "Swift is a general-purpose programming language developed by Apple.",
    "Ferns prefer humid rooms and indirect light.",
]

do {
    let model = try EmbeddingModel(folder: folder)
    let vectors = try model.embed(documents.map { .text($0) }).map(\.vector)
    let queryVector = try model.embed([.text(query)])[0].vector
    // The model normalises its vectors, so the dot product is the cosine similarity.
    let scores = vectors.map { vector in zip(vector, queryVector).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
    print("query: \(query)")
    for (score, document) in zip(scores, documents).sorted(by: { $0.0 > $1.0 }) {
        print(String(format: "%.4f  ", score) + document)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
