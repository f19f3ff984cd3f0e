/// The splits that byte-level BPE tokenizers apply before merging, written as scanners over
/// Unicode scalars with exactly the semantics of the regular expressions they replace
/// (alternation order, greedy runs, the `\s+(?!\S)` backtrack). Named as GGUF's
/// `tokenizer.ggml.pre` names them.
package enum PreTokenizer: Sendable, Equatable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// SmolLM: every digit split off on its own first (Hugging Face `Digits(individual_digits)`),
    /// then GPT-2's split on each piece.
    case smollm
    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
    /// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// Qwen2: as Llama 3 with single digits (`\p{N}`).
    case qwen2

    /// From `tokenizer.ggml.pre`; unknown names fall back to GPT-2's split, as llama.cpp does
    /// for its default.
    package init(ggufName: String?) {
        switch ggufName {
        case "smollm": self = .smollm
        case "llama-bpe", "llama3", "llama-v3", "falcon3", "pixtral": self = .llama3
        case "qwen2", "deepseek-r1-qwen": self = .qwen2
        default: self = .gpt2
        }
    }

    /// The pieces of `text`, as ranges of its scalars.
    package func split(_ text: String) -> [Substring] {
        let scalars = Array(text.unicodeScalars)
        var ranges: [Range<Int>] = []
        switch self {
        case .gpt2:
            Self.gpt2(scalars, 0..<scalars.count, into: &ranges)
        case .smollm:
            var start = 0
            for (index, scalar) in scalars.enumerated() where scalar.isNumber {
                if start < index { Self.gpt2(scalars, start..<index, into: &ranges) }
                ranges.append(index..<(index + 1))
                start = index + 1
            }
            if start < scalars.count { Self.gpt2(scalars, start..<scalars.count, into: &ranges) }
        case .llama3:
            Self.llama3(scalars, maxDigits: 3, into: &ranges)
        case .qwen2:
            Self.llama3(scalars, maxDigits: 1, into: &ranges)
        }
        // Map scalar ranges back to substrings of the original text.
        var pieces: [Substring] = []
        pieces.reserveCapacity(ranges.count)
        var index = text.unicodeScalars.startIndex
        var position = 0
        for range in ranges {
            while position < range.lowerBound {
                text.unicodeScalars.formIndex(after: &index)
                position += 1
            }
            let start = index
            while position < range.upperBound {
                text.unicodeScalars.formIndex(after: &index)
                position += 1
            }
            pieces.append(Substring(text.unicodeScalars[start..<index]))
        }
        return pieces
    }

    private static func contraction(_ s: [Unicode.Scalar], at i: Int, end: Int, caseInsensitive: Bool) -> Int? {
        guard s[i] == "'", i + 1 < end else { return nil }
        func lower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
            guard caseInsensitive, ("A"..."Z").contains(scalar) else { return scalar }
            return Unicode.Scalar(scalar.value + 32) ?? scalar
        }
        let a = lower(s[i + 1])
        if a == "s" || a == "t" || a == "m" || a == "d" { return i + 2 }
        if i + 2 < end {
            let b = lower(s[i + 2])
            if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return i + 3 }
        }
        return nil
    }

    /// Index after the run of scalars from `i` satisfying `predicate`, up to `limit` of them.
    private static func run(_ s: [Unicode.Scalar], from i: Int, end: Int, limit: Int = .max, _ predicate: (Unicode.Scalar) -> Bool) -> Int {
        var j = i
        while j < end, j - i < limit, predicate(s[j]) { j += 1 }
        return j
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar: the run, less its last scalar when a
    /// non-space follows and the run is longer than one.
    private static func whitespace(_ s: [Unicode.Scalar], at i: Int, end: Int) -> Int {
        let k = run(s, from: i, end: end) { $0.isSpace }
        if k < end, k - i > 1 { return k - 1 }
        return k
    }

    private static func gpt2(_ s: [Unicode.Scalar], _ bounds: Range<Int>, into ranges: inout [Range<Int>]) {
        var i = bounds.lowerBound
        let end = bounds.upperBound
        while i < end {
            var next: Int
            if let after = contraction(s, at: i, end: end, caseInsensitive: false) {
                next = after
            } else {
                let start = (s[i] == " " && i + 1 < end && !s[i + 1].isSpace) ? i + 1 : i
                let first = s[start]
                if first.isLetter {
                    next = run(s, from: start, end: end) { $0.isLetter }
                } else if first.isNumber {
                    next = run(s, from: start, end: end) { $0.isNumber }
                } else if !first.isSpace {
                    next = run(s, from: start, end: end) { $0.isOther }
                } else {
                    next = whitespace(s, at: i, end: end)
                }
            }
            ranges.append(i..<next)
            i = next
        }
    }

    private static func llama3(_ s: [Unicode.Scalar], maxDigits: Int, into ranges: inout [Range<Int>]) {
        var i = 0
        let end = s.count
        while i < end {
            let c = s[i]
            var next: Int
            if let after = contraction(s, at: i, end: end, caseInsensitive: true) {
                next = after
            } else if c.isLetter {
                next = run(s, from: i, end: end) { $0.isLetter }
            } else if !c.isNewline, !c.isNumber, i + 1 < end, s[i + 1].isLetter {
                // `[^\r\n\p{L}\p{N}]?\p{L}+`: one leading non-letter (a space, a quote...).
                next = run(s, from: i + 1, end: end) { $0.isLetter }
            } else if c.isNumber {
                next = run(s, from: i, end: end, limit: maxDigits) { $0.isNumber }
            } else if let after = Self.punctuation(s, at: i, end: end) {
                next = after
            } else {
                // `\s*[\r\n]+`, then `\s+(?!\S)|\s+`.
                let k = run(s, from: i, end: end) { $0.isSpace }
                if let lastNewline = (i..<k).last(where: { s[$0].isNewline }) {
                    next = lastNewline + 1
                } else {
                    next = whitespace(s, at: i, end: end)
                }
            }
            ranges.append(i..<next)
            i = next
        }
    }

    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*`
    private static func punctuation(_ s: [Unicode.Scalar], at i: Int, end: Int) -> Int? {
        let start = (s[i] == " " && i + 1 < end && s[i + 1].isOther) ? i + 1 : i
        guard s[start].isOther else { return nil }
        let k = run(s, from: start, end: end) { $0.isOther }
        return run(s, from: k, end: end) { $0.isNewline }
    }
}

extension Unicode.Scalar {
    /// `\p{L}`
    var isLetter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    /// `\p{N}`
    var isNumber: Bool {
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }

    /// `\s`: Unicode White_Space.
    var isSpace: Bool { properties.isWhitespace }

    /// `[\r\n]`
    var isNewline: Bool { self == "\r" || self == "\n" }

    /// `[^\s\p{L}\p{N}]`
    var isOther: Bool { !isSpace && !isLetter && !isNumber }
}
