/// Builds the tokenizer a GGUF file describes (`tokenizer.ggml.*`).
package enum GGUFTokenizer {
    /// llama.cpp's token types.
    enum TokenType: Int { case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }

    package static func load(_ file: GGUFFile) throws -> any Tokenizer {
        let model = try file.string("tokenizer.ggml.model")
        guard model == "gpt2" || model == "llama" else { throw TokenizerError.unsupportedModel(model) }
        guard case .array(let tokenValues)? = file.metadata["tokenizer.ggml.tokens"] else {
            throw TokenizerError.missingField("tokenizer.ggml.tokens")
        }
        let tokens = try tokenValues.enumerated().map { index, value in
            guard let text = value.stringValue else { throw TokenizerError.invalidField("tokenizer.ggml.tokens[\(index)]", reason: "not a string") }
            return text
        }
        let types = (file.metadata["tokenizer.ggml.token_type"]?.arrayValue ?? []).map { $0.intValue ?? 1 }
        var special: [Int] = []
        var control = Set<Int>()
        for (id, type) in types.enumerated() where id < tokens.count {
            if type == TokenType.control.rawValue || type == TokenType.userDefined.rawValue { special.append(id) }
            if type == TokenType.control.rawValue { control.insert(id) }
        }
        func token(_ key: String) -> Int? {
            guard let id = file.metadata[key]?.intValue, id >= 0, id < tokens.count else { return nil }
            return id
        }
        let bos = token("tokenizer.ggml.bos_token_id")
        let eos = token("tokenizer.ggml.eos_token_id")
        var endOfGeneration = Set([eos, token("tokenizer.ggml.eot_token_id"), token("tokenizer.ggml.eom_token_id")].compactMap { $0 })
        // As llama.cpp does, also end on the end-of-turn spellings of the common chat formats.
        for text in ["<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>"] {
            if let id = tokens.firstIndex(of: text), control.contains(id) { endOfGeneration.insert(id) }
        }
        if model == "llama" {
            let scores = (file.metadata["tokenizer.ggml.scores"]?.arrayValue ?? []).map { Float($0.doubleValue ?? 0) }
            return try SentencePieceBPE(
                tokens: tokens, scores: scores, types: types, bos: bos, eos: eos, unknown: token("tokenizer.ggml.unknown_token_id"),
                endOfGeneration: endOfGeneration,
                addBOS: file.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? true,
                addEOS: file.metadata["tokenizer.ggml.add_eos_token"]?.boolValue ?? false,
                addSpacePrefix: file.metadata["tokenizer.ggml.add_space_prefix"]?.boolValue ?? true)
        }
        let merges = (file.metadata["tokenizer.ggml.merges"]?.arrayValue ?? []).compactMap(\.stringValue)
        return try ByteLevelBPE(
            tokens: tokens, merges: merges,
            preTokenizer: PreTokenizer(ggufName: file.metadata["tokenizer.ggml.pre"]?.stringValue),
            specialTokens: special, controlTokens: control,
            bos: bos, eos: eos, endOfGeneration: endOfGeneration,
            addBOS: file.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? false,
            addEOS: file.metadata["tokenizer.ggml.add_eos_token"]?.boolValue ?? false
        )
    }
}
