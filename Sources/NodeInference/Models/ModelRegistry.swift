import Foundation

/// Picks the model implementation from `general.architecture` (GGUF) or `model_type`
/// (a Hugging Face `config.json`).
package enum ModelRegistry {
    /// Architectures whose GGUF graph is the Llama decoder (Mistral converts to `llama`).
    package static let llamaFamily: Set<String> = ["llama", "mistral", "qwen2"]
    package static var supportedArchitectures: [String] { llamaFamily.sorted() }

    package static func loadDecoder(gguf file: GGUFFile) throws -> LlamaModel {
        let architecture = try file.string("general.architecture")
        guard llamaFamily.contains(architecture) else { throw ModelError.unsupportedArchitecture(architecture) }
        return try LlamaModel(gguf: file)
    }

    package static func loadDecoder(folder: String) throws -> LlamaModel {
        let config = try HFModelConfig.load(folder: folder)
        guard llamaFamily.contains(config.modelType) else { throw ModelError.unsupportedArchitecture(config.modelType) }
        return try LlamaModel(folder: folder)
    }

    package static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The tokenizer of a GGUF file or a model folder.
    package static func loadTokenizer(path: String) throws -> any Tokenizer {
        isFolder(path) ? try HFTokenizer.load(folder: path) : try GGUFTokenizer.load(GGUFFile(path: path))
    }
}
