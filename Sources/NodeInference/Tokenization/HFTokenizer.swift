import Foundation

/// Builds a tokenizer from a Hugging Face `tokenizer.json` (with `tokenizer_config.json` and
/// `generation_config.json` beside it for the special tokens). Supported: byte-level BPE with
/// the pre-tokenizers of ``PreTokenizer`` and an optional NFC normalizer. Anything else is a
/// ``TokenizerError`` naming the part, never a guess.
package enum HFTokenizer {
    package static func load(folder: String) throws -> any Tokenizer {
        let root = try readJSON(folder, "tokenizer.json", required: true) ?? [:]
        guard case .object(let model)? = root["model"] else { throw TokenizerError.missingField("model") }
        guard case .string(let type)? = model["type"], type == "BPE" else {
            throw TokenizerError.unsupportedModel(model["type"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "unknown")
        }
        guard case .object(let vocabulary)? = model["vocab"] else { throw TokenizerError.missingField("model.vocab") }

        // Vocabulary, then added tokens (which may extend it).
        var tokensByID: [Int: String] = [:]
        for (token, value) in vocabulary {
            guard case .integer(let id) = value, id >= 0, id < 1 << 22 else {
                throw TokenizerError.invalidField("model.vocab", reason: "id of '\(token)' is not a valid integer")
            }
            tokensByID[id] = token
        }
        var special: [Int] = []
        var control = Set<Int>()
        if case .array(let added)? = root["added_tokens"] {
            for (index, entry) in added.enumerated() {
                guard case .object(let fields) = entry, case .integer(let id)? = fields["id"], id >= 0, id < 1 << 22,
                    case .string(let content)? = fields["content"]
                else { throw TokenizerError.invalidField("added_tokens[\(index)]", reason: "needs an integer id and a string content") }
                tokensByID[id] = content
                special.append(id)
                if case .bool(true)? = fields["special"] { control.insert(id) }
            }
        }
        let size = (tokensByID.keys.max() ?? -1) + 1
        let tokens = (0..<size).map { tokensByID[$0] ?? "" }

        var merges: [String] = []
        if case .array(let list)? = model["merges"] {
            for (index, entry) in list.enumerated() {
                switch entry {
                case .string(let text): merges.append(text)
                case .array(let pair) where pair.count == 2:
                    guard case .string(let a) = pair[0], case .string(let b) = pair[1] else { fallthrough }
                    merges.append(a + " " + b)
                default: throw TokenizerError.invalidField("model.merges[\(index)]", reason: "not a pair")
                }
            }
        }

        let normalizeNFC: Bool
        switch root["normalizer"] {
        case nil, .null?: normalizeNFC = false
        case .object(let fields)? where fields["type"] == .string("NFC"): normalizeNFC = true
        default: throw TokenizerError.invalidField("normalizer", reason: "only NFC (or none) is supported")
        }
        let preTokenizer = try Self.preTokenizer(root["pre_tokenizer"])

        // Special tokens from tokenizer_config.json / generation_config.json / the post-processor.
        let config = try readJSON(folder, "tokenizer_config.json", required: false) ?? [:]
        let generation = try readJSON(folder, "generation_config.json", required: false) ?? [:]
        func id(of value: JSONValue?) -> Int? {
            switch value {
            case .string(let text)?: tokens.firstIndex(of: text)
            case .object(let fields)?: id(of: fields["content"])
            default: nil
            }
        }
        let bosFromTemplate = Self.templateBOS(root["post_processor"]).flatMap { tokens.firstIndex(of: $0) }
        let bos = bosFromTemplate ?? id(of: config["bos_token"])
        let eos = id(of: config["eos_token"])
        var endOfGeneration = Set([eos].compactMap { $0 })
        switch generation["eos_token_id"] {
        case .integer(let value)?: endOfGeneration.insert(value)
        case .array(let values)?: for case .integer(let value) in values { endOfGeneration.insert(value) }
        default: break
        }
        let addBOS: Bool
        if case .bool(let flag)? = config["add_bos_token"] { addBOS = flag } else { addBOS = bosFromTemplate != nil }

        let bpe = try ByteLevelBPE(
            tokens: tokens, merges: merges, preTokenizer: preTokenizer,
            specialTokens: special, controlTokens: control,
            bos: bos, eos: eos, endOfGeneration: endOfGeneration, addBOS: addBOS, addEOS: false)
        return normalizeNFC ? NormalizedTokenizer(base: bpe) : bpe
    }

    static func readJSON(_ folder: String, _ name: String, required: Bool) throws -> [String: JSONValue]? {
        let path = (folder as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else {
            if required { throw TokenizerError.missingField(name) }
            return nil
        }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw TokenizerError.invalidField(name, reason: "not a JSON object")
        }
        return object
    }

    static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// Recognises the pre-tokenizer configurations we implement.
    static func preTokenizer(_ value: JSONValue?) throws -> PreTokenizer {
        func isByteLevel(_ value: JSONValue, regex: Bool) -> Bool {
            guard case .object(let fields) = value, fields["type"] == .string("ByteLevel") else { return false }
            if case .bool(true)? = fields["add_prefix_space"] { return false }
            let usesRegex: Bool
            if case .bool(let flag)? = fields["use_regex"] { usesRegex = flag } else { usesRegex = true }
            return usesRegex == regex
        }
        guard let value else { throw TokenizerError.missingField("pre_tokenizer") }
        if isByteLevel(value, regex: true) { return .gpt2 }
        if case .object(let fields) = value, fields["type"] == .string("Sequence"), case .array(let steps)? = fields["pretokenizers"],
            steps.count == 2
        {
            if case .object(let digits) = steps[0], digits["type"] == .string("Digits"), digits["individual_digits"] == .bool(true),
                isByteLevel(steps[1], regex: true)
            {
                return .smollm
            }
            if case .object(let split) = steps[0], split["type"] == .string("Split"),
                case .object(let pattern)? = split["pattern"], case .string(let regex)? = pattern["Regex"],
                isByteLevel(steps[1], regex: false)
            {
                if regex == llama3Pattern { return .llama3 }
                if regex == qwen2Pattern { return .qwen2 }
            }
        }
        throw TokenizerError.invalidField("pre_tokenizer", reason: "this configuration is not supported")
    }

    /// The special token a `TemplateProcessing` post-processor puts first, if any (Llama 3's BOS).
    static func templateBOS(_ value: JSONValue?) -> String? {
        guard case .object(let fields)? = value, fields["type"] == .string("TemplateProcessing"),
            case .array(let single)? = fields["single"], case .object(let first)? = single.first,
            case .object(let special)? = first["SpecialToken"], case .string(let id)? = special["id"]
        else { return nil }
        return id
    }
}

/// Applies Unicode NFC before tokenizing (Qwen2's normalizer).
struct NormalizedTokenizer: Tokenizer {
    let base: ByteLevelBPE

    var vocabularySize: Int { base.vocabularySize }
    var endOfGenerationTokens: Set<Int> { base.endOfGenerationTokens }
    var beginningOfSequenceToken: Int? { base.beginningOfSequenceToken }

    func encode(_ text: String, parseSpecial: Bool, addSpecial: Bool) -> [Int] {
        base.encode(text.precomposedStringWithCanonicalMapping, parseSpecial: parseSpecial, addSpecial: addSpecial)
    }

    func bytes(of token: Int) -> [UInt8] { base.bytes(of: token) }
    func isControl(_ token: Int) -> Bool { base.isControl(token) }
    func piece(of token: Int) -> String { base.piece(of: token) }
}
