/// Picks the model implementation from `general.architecture` (GGUF).
package enum ModelRegistry {
    /// Architectures whose GGUF graph is the Llama decoder (Mistral converts to `llama`).
    package static let llamaFamily: Set<String> = ["llama", "mistral", "qwen2"]
    package static var supportedArchitectures: [String] { llamaFamily.sorted() }

    package static func loadDecoder(gguf file: GGUFFile) throws -> LlamaModel {
        let architecture = try file.string("general.architecture")
        guard llamaFamily.contains(architecture) else { throw ModelError.unsupportedArchitecture(architecture) }
        return try LlamaModel(gguf: file)
    }
}
