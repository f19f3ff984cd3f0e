/// Turns text into token ids and back. Implementations are immutable and shared.
public protocol Tokenizer: Sendable {
    /// Tokens in the vocabulary.
    var vocabularySize: Int { get }
    /// Token ids of `text`. With `parseSpecial`, the text of special tokens (`<|im_start|>`)
    /// becomes those tokens, as in a rendered chat prompt; without it, such text is plain text.
    /// Begin/end-of-sequence tokens are added as the model's metadata asks.
    func encode(_ text: String, parseSpecial: Bool, addSpecial: Bool) -> [Int]
    /// The bytes a token stands for (a token may hold part of a UTF-8 character).
    func bytes(of token: Int) -> [UInt8]
    /// Tokens that end generation (end of sequence, end of turn).
    var endOfGenerationTokens: Set<Int> { get }
    /// The token the model's metadata asks to put first, if any.
    var beginningOfSequenceToken: Int? { get }
    /// Whether a token is a control token (never shown as text by default).
    func isControl(_ token: Int) -> Bool
    /// The text of a token as its vocabulary spells it, for logprob listings.
    func piece(of token: Int) -> String
    /// Text of a whole sequence; invalid UTF-8 (a sequence cut inside a character) is repaired
    /// with U+FFFD, as Python's `tokenizers` does.
    func decode(_ tokens: [Int], skipControl: Bool) -> String
}

extension Tokenizer {
    /// The text of `tokens` (invalid UTF-8 replaced by U+FFFD).
    public func decode(_ tokens: [Int]) -> String {
        decode(tokens, skipControl: false)
    }

    public func decode(_ tokens: [Int], skipControl: Bool) -> String {
        var bytes: [UInt8] = []
        for token in tokens where !(skipControl && isControl(token)) { bytes += self.bytes(of: token) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
