import Foundation

/// BERT's tokenizer from a `tokenizer.json`: BertNormalizer, BertPreTokenizer, WordPiece with
/// `##` continuations, and `[CLS] … [SEP]` around the result. Literal special-token text
/// (`[CLS]`, `[MASK]`…) is matched as those tokens before normalization, as `tokenizers` does.
/// Follows Hugging Face `tokenizers` (normalizers/bert.rs, pre_tokenizers/bert.rs,
/// models/wordpiece).
public struct WordPiece: Sendable {
    /// BERT's normalizer settings: lower-casing, accent stripping, Chinese characters split.
    public struct Normalizer: Sendable, Equatable {
        var cleanText = true
        var handleChineseChars = true
        var stripAccents: Bool? = nil
        var lowercase = true
    }

    let vocabulary: [String: Int]
    let tokens: [String]
    let normalizer: Normalizer
    let unknown: Int
    let prefix: String
    let maxInputCharactersPerWord: Int
    let classToken: Int
    let separatorToken: Int
    let padToken: Int
    let specials: SpecialTokenMatcher

    /// Tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    package static func load(folder: String) throws -> WordPiece {
        let root = try HFTokenizer.readJSON(folder, "tokenizer.json", required: true) ?? [:]
        guard case .object(let model)? = root["model"], model["type"] == .string("WordPiece") else {
            throw TokenizerError.unsupportedModel("tokenizer.json model is not WordPiece")
        }
        guard case .object(let vocab)? = model["vocab"] else { throw TokenizerError.missingField("model.vocab") }
        var vocabulary: [String: Int] = [:]
        for (token, value) in vocab {
            guard case .integer(let id) = value, id >= 0, id < 1 << 22 else {
                throw TokenizerError.invalidField("model.vocab", reason: "id of '\(token)' is not a valid integer")
            }
            vocabulary[token] = id
        }
        var tokens = [String](repeating: "", count: (vocabulary.values.max() ?? -1) + 1)
        for (token, id) in vocabulary { tokens[id] = token }

        var normalizer = Normalizer()
        if case .object(let fields)? = root["normalizer"] {
            guard fields["type"] == .string("BertNormalizer") else {
                throw TokenizerError.invalidField("normalizer", reason: "only BertNormalizer is supported for WordPiece")
            }
            if case .bool(let flag)? = fields["clean_text"] { normalizer.cleanText = flag }
            if case .bool(let flag)? = fields["handle_chinese_chars"] { normalizer.handleChineseChars = flag }
            if case .bool(let flag)? = fields["strip_accents"] { normalizer.stripAccents = flag }
            if case .bool(let flag)? = fields["lowercase"] { normalizer.lowercase = flag }
        }
        if case .object(let fields)? = root["pre_tokenizer"], fields["type"] != .string("BertPreTokenizer") {
            throw TokenizerError.invalidField("pre_tokenizer", reason: "only BertPreTokenizer is supported for WordPiece")
        }
        func string(_ key: String, _ fallback: String) -> String {
            if case .string(let value)? = model[key] { return value }
            return fallback
        }
        func id(_ token: String) throws -> Int {
            guard let id = vocabulary[token] else { throw TokenizerError.invalidField("model.vocab", reason: "no '\(token)' token") }
            return id
        }
        var special: [([UInt8], Int)] = []
        if case .array(let added)? = root["added_tokens"] {
            for entry in added {
                if case .object(let fields) = entry, case .integer(let tokenID)? = fields["id"], case .string(let content)? = fields["content"],
                    tokenID >= 0, tokenID < tokens.count
                {
                    special.append((Array(content.utf8), tokenID))
                }
            }
        }
        var maxCharacters = 100
        if case .integer(let value)? = model["max_input_chars_per_word"], value > 0 { maxCharacters = value }
        return WordPiece(
            vocabulary: vocabulary, tokens: tokens, normalizer: normalizer,
            unknown: try id(string("unk_token", "[UNK]")), prefix: string("continuing_subword_prefix", "##"),
            maxInputCharactersPerWord: maxCharacters,
            classToken: try id("[CLS]"), separatorToken: try id("[SEP]"), padToken: vocabulary["[PAD]"] ?? 0,
            specials: SpecialTokenMatcher(special))
    }

    /// Token ids with `[CLS]`/`[SEP]`, the content cut to `maxLength - 2` tokens when given.
    /// Returns whether anything was cut.
    public func encode(_ text: String, maxLength: Int? = nil) -> (ids: [Int], truncated: Bool) {
        var content: [Int] = []
        for segment in specials.split(text) {
            switch segment {
            case .special(let id):
                content.append(id)
            case .text(let plain):
                for word in Self.preTokenize(normalize(String(plain))) { wordPiece(word, into: &content) }
            }
        }
        var truncated = false
        if let maxLength, content.count > max(0, maxLength - 2) {
            content.removeLast(content.count - max(0, maxLength - 2))
            truncated = true
        }
        return ([classToken] + content + [separatorToken], truncated)
    }

    /// The vocabulary entry of `id` (empty outside the vocabulary).
    public func token(_ id: Int) -> String { tokens.indices.contains(id) ? tokens[id] : "" }

    func normalize(_ text: String) -> String {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if normalizer.cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if normalizer.handleChineseChars, Self.isChinese(scalar) {
                scalars += [" ", scalar, " "]
            } else {
                scalars.append(scalar)
            }
        }
        var result = String(String.UnicodeScalarView(scalars))
        if normalizer.stripAccents ?? normalizer.lowercase {
            // NFD splits precomposed letters (and Hangul syllables into jamo); the marks go.
            let decomposed = result.decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                $0.properties.generalCategory != .nonspacingMark
            }
            result = String(String.UnicodeScalarView(decomposed))
        }
        if normalizer.lowercase {
            // Character by character, as `tokenizers` lowercases (no final-sigma context).
            var lowered = String.UnicodeScalarView()
            for scalar in result.unicodeScalars { lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars) }
            result = String(lowered)
        }
        return result
    }

    /// Splits on whitespace (dropped) and isolates each punctuation character.
    static func preTokenize(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                flush()
            } else if isPunctuation(scalar) {
                flush()
                words.append(String(scalar))
            } else {
                current.append(scalar)
            }
        }
        flush()
        return words
    }

    /// Greedy longest-match-first; a word with no complete segmentation becomes one `[UNK]`.
    func wordPiece(_ word: String, into output: inout [Int]) {
        let characters = Array(word.unicodeScalars)
        guard characters.count <= maxInputCharactersPerWord else {
            output.append(unknown)
            return
        }
        var pieces: [Int] = []
        var start = 0
        while start < characters.count {
            var end = characters.count
            var found: Int?
            while start < end {
                var candidate = String(String.UnicodeScalarView(characters[start..<end]))
                if start > 0 { candidate = prefix + candidate }
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                output.append(unknown)
                return
            }
            pieces.append(id)
            start = end
        }
        output += pieces
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isChinese(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B920...0x2CEAF,
            0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII, (0x21...0x2F).contains(scalar.value) || (0x3A...0x40).contains(scalar.value)
            || (0x5B...0x60).contains(scalar.value) || (0x7B...0x7E).contains(scalar.value)
        {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
