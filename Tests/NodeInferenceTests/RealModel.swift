import Foundation
import NodeInference

/// The real models fetched by `make models`, and the numpy reference made by `make reference`.
/// A missing file fails the test with the command that makes it: these tests never skip.
enum RealModel {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let smolLM2 = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static let referenceFolder = root.appendingPathComponent(".cache/reference/smollm2")

    /// A tiny checkpoint made by Scripts/make-tiny-models.py, and its reference outputs.
    static func tiny(_ name: String) -> (model: String, reference: URL) {
        (root.appendingPathComponent(".cache/fixtures/\(name)").path, root.appendingPathComponent(".cache/reference/\(name)"))
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String, command: String
        var description: String { "\(path) is missing: run `\(command)`" }
    }

    static func requireFile(_ path: String, command: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path, command: command) }
    }

    struct Reference: Decodable {
        struct Prompt: Decodable {
            var prompt: String
            var ids: [Int]
            var greedy: [Int]
            var margins: [Double]
        }
        var vocabulary: Int
        var prompts: [Prompt]
    }

    static func reference(_ folder: URL = referenceFolder) throws -> Reference {
        let path = folder.appendingPathComponent("reference.json").path
        try requireFile(path, command: "make reference")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func referenceLogits(prompt index: Int, folder: URL = referenceFolder) throws -> [Float] {
        let data = try Data(contentsOf: folder.appendingPathComponent("prompt-\(index).f32"))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}
