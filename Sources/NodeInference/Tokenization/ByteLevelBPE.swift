/// Byte-level BPE (GPT-2 style; SmolLM, Llama 3, Qwen2): text is split by a pre-tokenizer,
/// each piece's UTF-8 bytes are mapped to the byte-level alphabet, then merged by rank.
/// Follows the GPT-2 encoder (https://github.com/openai/gpt-2/blob/master/src/encoder.py) and
/// Hugging Face `tokenizers`' BPE model.
public struct ByteLevelBPE: Tokenizer {
    let tokens: [String]
    /// Per token: its bytes (byte-level alphabet decoded; special tokens as their text).
    let tokenBytes: [[UInt8]]
    let ids: [String: Int]
    /// `(left << 32 | right)` to `(rank, merged id)`.
    let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// Token id of each single byte; `nil` where the vocabulary lacks it (such bytes are dropped,
    /// as Python's `tokenizers` drops characters of a BPE without an unknown token).
    let byteTokens: [Int?]
    let preTokenizer: PreTokenizer
    let specials: SpecialTokenMatcher
    let controlTokens: Set<Int>
    public let endOfGenerationTokens: Set<Int>
    /// The token the model's metadata asks to put first, if any.
    public let beginningOfSequenceToken: Int?
    let endOfSequenceToken: Int?
    let addBOS: Bool
    let addEOS: Bool

    /// Tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    /// - Parameters:
    ///   - tokens: the vocabulary in byte-level spelling, indexed by id.
    ///   - merges: `"left right"` pairs, highest priority first.
    ///   - specialTokens: ids matched whole in text when parsing specials (control and user-defined).
    ///   - controlTokens: ids not shown as text by default.
    package init(
        tokens: [String], merges: [String], preTokenizer: PreTokenizer,
        specialTokens: [Int], controlTokens: Set<Int>,
        bos: Int?, eos: Int?, endOfGeneration: Set<Int>, addBOS: Bool, addEOS: Bool
    ) throws(TokenizerError) {
        self.tokens = tokens
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        self.ids = ids

        let decoder = ByteLevelAlphabet.decoder
        let specialSet = Set(specialTokens)
        tokenBytes = tokens.enumerated().map { id, token in
            if specialSet.contains(id) { return Array(token.utf8) }
            var bytes: [UInt8] = []
            for scalar in token.unicodeScalars {
                if let byte = decoder[scalar] { bytes.append(byte) } else { bytes += Array(String(scalar).utf8) }
            }
            return bytes
        }
        let byteTokens = (0...255).map { ids[String(ByteLevelAlphabet.encoder[$0])] }
        guard byteTokens.contains(where: { $0 != nil }) else { throw .invalidField("tokens", reason: "no byte-level tokens") }
        self.byteTokens = byteTokens

        var table: [UInt64: (rank: Int32, merged: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw .invalidField("merges[\(rank)]", reason: "'\(merge)' is not two tokens") }
            guard let left = ids[String(parts[0])], let right = ids[String(parts[1])],
                let merged = ids[String(parts[0]) + String(parts[1])]
            else { continue }  // merges naming absent tokens can never apply
            let key = UInt64(left) << 32 | UInt64(right)
            if table[key] == nil { table[key] = (Int32(rank), Int32(merged)) }
        }
        self.merges = table
        self.preTokenizer = preTokenizer
        self.specials = SpecialTokenMatcher(specialTokens.compactMap { id in
            tokens.indices.contains(id) && !tokens[id].isEmpty ? (Array(tokens[id].utf8), id) : nil
        })
        self.controlTokens = controlTokens
        self.beginningOfSequenceToken = bos
        self.endOfSequenceToken = eos
        self.endOfGenerationTokens = endOfGeneration
        self.addBOS = addBOS
        self.addEOS = addEOS
    }

    public func encode(_ text: String, parseSpecial: Bool, addSpecial: Bool = true) -> [Int] {
        var output: [Int] = []
        if addSpecial, addBOS, let bos = beginningOfSequenceToken { output.append(bos) }
        let segments = parseSpecial ? specials.split(text) : [.text(Substring(text))]
        for segment in segments {
            switch segment {
            case .special(let id):
                output.append(id)
            case .text(let plain):
                for piece in preTokenizer.split(String(plain)) { merge(piece, into: &output) }
            }
        }
        if addSpecial, addEOS, let eos = endOfSequenceToken { output.append(eos) }
        return output
    }

    /// BPE on one pre-tokenized piece: start from single bytes, merge the lowest-ranked pair
    /// until none applies.
    func merge(_ piece: Substring, into output: inout [Int]) {
        var symbols = piece.utf8.compactMap { byteTokens[Int($0)] }
        while symbols.count > 1 {
            var best: (rank: Int32, index: Int, merged: Int32)?
            for index in 0..<(symbols.count - 1) {
                let key = UInt64(symbols[index]) << 32 | UInt64(symbols[index + 1])
                if let entry = merges[key], entry.rank < (best?.rank ?? .max) {
                    best = (entry.rank, index, entry.merged)
                }
            }
            guard let chosen = best else { break }
            // Merge every occurrence of the chosen pair, left to right.
            let left = symbols[chosen.index], right = symbols[chosen.index + 1]
            var merged: [Int] = []
            merged.reserveCapacity(symbols.count)
            var index = 0
            while index < symbols.count {
                if index + 1 < symbols.count, symbols[index] == left, symbols[index + 1] == right {
                    merged.append(Int(chosen.merged))
                    index += 2
                } else {
                    merged.append(symbols[index])
                    index += 1
                }
            }
            symbols = merged
        }
        output += symbols
    }

    public func bytes(of token: Int) -> [UInt8] {
        tokenBytes.indices.contains(token) ? tokenBytes[token] : []
    }

    public func isControl(_ token: Int) -> Bool { controlTokens.contains(token) }

    public func piece(of token: Int) -> String {
        tokens.indices.contains(token) ? String(decoding: bytes(of: token), as: UTF8.self) : ""
    }
}

/// GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes stand for
/// themselves, the others are shifted to U+0100 and up.
enum ByteLevelAlphabet {
    static let encoder: [Character] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var characters = [Character](repeating: " ", count: 256)
        var shifted = 0
        for byte in 0...255 {
            if printable.contains(byte) {
                characters[byte] = Character(Unicode.Scalar(UInt8(byte)))
            } else {
                characters[byte] = Character(Unicode.Scalar(UInt32(256 + shifted))!)
                shifted += 1
            }
        }
        printable.removeAll()
        return characters
    }()

    static let decoder: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (byte, character) in encoder.enumerated() {
            for scalar in character.unicodeScalars { map[scalar] = UInt8(byte) }
        }
        return map
    }()
}
