/// SentencePiece-style BPE with byte fallback (`tokenizer.ggml.model = llama`: Llama 2,
/// Mistral): spaces become `▁`, a `▁` is prefixed at the start and after each special token,
/// then adjacent pieces merge by the score of their union, highest first; characters left
/// outside the vocabulary fall back to `<0xXX>` byte tokens.
/// Follows SentencePiece's BPE model (https://github.com/google/sentencepiece) and llama.cpp's
/// `llm_tokenizer_spm`.
public struct SentencePieceBPE: Tokenizer {
    let tokens: [String]
    let scores: [Float]
    let ids: [String: Int]
    let byteTokens: [Int?]
    let tokenBytes: [[UInt8]]
    let unknown: Int?
    let specials: SpecialTokenMatcher
    let controlTokens: Set<Int>
    let addSpacePrefix: Bool
    public let endOfGenerationTokens: Set<Int>
    /// The token the model's metadata asks to put first, if any.
    public let beginningOfSequenceToken: Int?
    let endOfSequenceToken: Int?
    let addBOS: Bool
    let addEOS: Bool

    /// Tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    package init(
        tokens: [String], scores: [Float], types: [Int], bos: Int?, eos: Int?, unknown: Int?,
        endOfGeneration: Set<Int>, addBOS: Bool, addEOS: Bool, addSpacePrefix: Bool
    ) throws(TokenizerError) {
        guard scores.count == tokens.count else {
            throw .invalidField("tokenizer.ggml.scores", reason: "\(scores.count) scores for \(tokens.count) tokens")
        }
        self.tokens = tokens
        self.scores = scores
        var ids: [String: Int] = [:]
        var byteTokens = [Int?](repeating: nil, count: 256)
        var control = Set<Int>()
        var special: [Int] = []
        for (id, token) in tokens.enumerated() {
            let type = id < types.count ? types[id] : 1
            if type == 6, let byte = Self.parseByteToken(token) {
                byteTokens[Int(byte)] = id
            } else if ids[token] == nil, type == 1 || type == 4 {
                ids[token] = id
            }
            if type == 3 { control.insert(id) }
            if type == 3 || type == 4 { special.append(id) }
        }
        self.ids = ids
        self.byteTokens = byteTokens
        self.tokenBytes = tokens.enumerated().map { id, token in
            if id < types.count, types[id] == 6, let byte = Self.parseByteToken(token) { return [byte] }
            return Array(token.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
        }
        self.unknown = unknown
        self.specials = SpecialTokenMatcher(special.map { (Array(tokens[$0].utf8), $0) })
        self.controlTokens = control
        self.addSpacePrefix = addSpacePrefix
        self.endOfGenerationTokens = endOfGeneration
        self.beginningOfSequenceToken = bos
        self.endOfSequenceToken = eos
        self.addBOS = addBOS
        self.addEOS = addEOS
    }

    /// `<0x0A>` to 10.
    static func parseByteToken(_ token: String) -> UInt8? {
        guard token.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">") else { return nil }
        return UInt8(token.dropFirst(3).prefix(2), radix: 16)
    }

    public func encode(_ text: String, parseSpecial: Bool, addSpecial: Bool = true) -> [Int] {
        var output: [Int] = []
        if addSpecial, addBOS, let bos = beginningOfSequenceToken { output.append(bos) }
        var previousWasSpecial = true
        for segment in parseSpecial ? specials.split(text) : [.text(Substring(text))] {
            switch segment {
            case .special(let id):
                output.append(id)
                previousWasSpecial = true
            case .text(let plain):
                guard !plain.isEmpty else { continue }
                let prefixed = (addSpacePrefix && previousWasSpecial ? " " : "") + plain
                merge(Array(prefixed.replacingOccurrences(of: " ", with: "\u{2581}").utf8), into: &output)
                previousWasSpecial = false
            }
        }
        if addSpecial, addEOS, let eos = endOfSequenceToken { output.append(eos) }
        return output
    }

    /// Score-ordered merging over a linked list of symbols, with a heap of candidate pairs.
    func merge(_ bytes: [UInt8], into output: inout [Int]) {
        // Symbols start as UTF-8 characters: (start, length, previous, next).
        var start: [Int] = [], length: [Int] = []
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let size = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            start.append(index)
            length.append(min(size, bytes.count - index))
            index += size
        }
        let count = start.count
        var previous = (0..<count).map { $0 - 1 }
        var next = (0..<count).map { $0 + 1 < count ? $0 + 1 : -1 }
        var heap = PairHeap()
        func token(_ from: Int, _ size: Int) -> Int? {
            ids[String(decoding: bytes[from..<(from + size)], as: UTF8.self)]
        }
        func consider(_ left: Int) {
            let right = next[left]
            guard left >= 0, right >= 0, let id = token(start[left], length[left] + length[right]) else { return }
            heap.push(PairHeap.Entry(score: scores[id], left: left, size: length[left] + length[right]))
        }
        for symbol in 0..<max(0, count - 1) { consider(symbol) }
        while let best = heap.pop() {
            let left = best.left, right = next[left]
            // Skip pairs made stale by an earlier merge.
            guard length[left] > 0, right >= 0, length[right] > 0, length[left] + length[right] == best.size else { continue }
            length[left] += length[right]
            length[right] = 0
            next[left] = next[right]
            if next[right] >= 0 { previous[next[right]] = left }
            if previous[left] >= 0 { consider(previous[left]) }
            consider(left)
        }
        var symbol = count > 0 ? 0 : -1
        while symbol >= 0 {
            if let id = token(start[symbol], length[symbol]) {
                output.append(id)
            } else {
                for byte in bytes[start[symbol]..<(start[symbol] + length[symbol])] {
                    if let id = byteTokens[Int(byte)] ?? unknown { output.append(id) }
                }
            }
            symbol = next[symbol]
        }
    }

    public func bytes(of token: Int) -> [UInt8] {
        tokenBytes.indices.contains(token) ? tokenBytes[token] : []
    }

    /// A whole sequence loses the space that encoding prefixed.
    public func decode(_ tokens: [Int], skipControl: Bool) -> String {
        var bytes: [UInt8] = []
        for token in tokens where !(skipControl && isControl(token)) { bytes += self.bytes(of: token) }
        if addSpacePrefix, bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func isControl(_ token: Int) -> Bool { controlTokens.contains(token) }

    public func piece(of token: Int) -> String { tokens.indices.contains(token) ? tokens[token] : "" }
}

/// A max-heap of merge candidates: highest score first, then the leftmost.
struct PairHeap {
    struct Entry {
        var score: Float
        var left: Int
        var size: Int

        func precedes(_ other: Entry) -> Bool {
            score > other.score || (score == other.score && left < other.left)
        }
    }

    private var items: [Entry] = []

    mutating func push(_ entry: Entry) {
        items.append(entry)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < items.count, items[left].precedes(items[best]) { best = left }
                if right < items.count, items[right].precedes(items[best]) { best = right }
                guard best != parent else { break }
                items.swapAt(parent, best)
                parent = best
            }
        }
        return top
    }
}
