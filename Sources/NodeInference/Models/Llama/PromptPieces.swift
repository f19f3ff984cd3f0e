/// Where a prompt is cut into pieces, each computed as one unit (one group of the plan, or
/// one row through the integer kernels): at every multiple of ``LlamaRunState/chunk``, and
/// right after every end-of-turn token (`<|im_end|>`, `<|eot_id|>`: the tokenizer's
/// end-of-generation tokens), so that a system prompt or a conversation's earlier turns end a
/// piece.
///
/// Whether a piece ends at a position depends on the tokens before it alone. A piece is
/// computed from its own tokens and the keys and values before it, never from what follows it
/// or runs beside it; so the keys and values of a prompt's pieces up to any piece end are
/// exactly what any longer prompt starting the same way computes there, and the prefix cache
/// can reuse them to that position without changing the output.
package struct PromptPieces: Sendable, Equatable {
    /// Tokens after which a piece ends.
    package var breakAfter: Set<Int>

    package init(breakAfter: Set<Int> = []) { self.breakAfter = breakAfter }

    /// Pieces of at most this many tokens are computed row by row, as decoding steps are.
    /// Only single tokens: a prompt's rows are multiplied in f32, and a second group in one
    /// forward call reuses the weight tiles dequantized for the first.
    package static let rowByRowLimit = 1

    /// Whether a piece ends at `position` (after `tokens[position - 1]`).
    @inline(__always)
    func endsPiece(at position: Int, after token: Int) -> Bool {
        position % LlamaRunState.chunk == 0 || breakAfter.contains(token)
    }

    /// The last piece end at or before `limit` in `tokens` (0: none).
    package func lastEnd(in tokens: [Int], upTo limit: Int) -> Int {
        var position = min(limit, tokens.count)
        while position > 0, !endsPiece(at: position, after: tokens[position - 1]) { position -= 1 }
        return position
    }

    /// Calls `body` with the offset and length of each piece of `tokens`, which start at
    /// position `start` of their sequence. The first piece starts at `start`; the last ends
    /// with `tokens`, wherever that is.
    package func split(_ tokens: ArraySlice<Int>, start: Int, _ body: (_ offset: Int, _ length: Int) -> Void) {
        var pieceStart = 0
        for (index, token) in tokens.enumerated() where index + 1 < tokens.count && endsPiece(at: start + index + 1, after: token) {
            body(pieceStart, index + 1 - pieceStart)
            pieceStart = index + 1
        }
        if tokens.count > pieceStart { body(pieceStart, tokens.count - pieceStart) }
    }
}
