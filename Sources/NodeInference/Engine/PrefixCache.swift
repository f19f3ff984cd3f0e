/// Keys and values of recent prompts, kept so that a new prompt starting the same way (the
/// same system prompt, the conversation so far) skips computing that prefix.
///
/// A longer prompt reuses a prefix up to a piece end (``PromptPieces``: after an end-of-turn
/// token, or a multiple of ``LlamaRunState/chunk``) only: a prompt is computed in those pieces,
/// so a reused prefix holds exactly the values that computing it again would give, and the
/// output does not depend on what was cached. A prompt seen before in full (a retry, the same
/// question again) reuses all of it and the logits of its last position, and needs no forward
/// pass before its first token — as llama.cpp's prompt cache does, and just as exact. Least
/// recently used entries go first when the budget is exceeded.
package final class PrefixCache {
    private struct Entry {
        var tokens: [Int]
        var cache: KVCache
        /// The logits after the last of `tokens`, for an entry that holds a whole prompt.
        var logits: [Float]?
        var lastUse: Int
        var byteCount: Int { cache.byteCount + (logits?.count ?? 0) * MemoryLayout<Float>.size }
    }

    package let budgetBytes: Int
    /// How the engine cuts prompts; prefixes are kept and reused up to its piece ends.
    package let pieces: PromptPieces
    private var entries: [Entry] = []
    private var clock = 0

    package init(budgetBytes: Int, pieces: PromptPieces) {
        self.budgetBytes = budgetBytes
        self.pieces = pieces
    }

    package var bytes: Int { entries.reduce(0) { $0 + $1.byteCount } }
    package var count: Int { entries.count }

    /// A private copy of the longest cached prefix of `prompt`: the whole prompt with the
    /// logits of its last position when it was seen in full, else up to a piece end, leaving
    /// at least one token to compute (its logits start the generation).
    package func lookup(_ prompt: [Int]) -> (cache: KVCache, positions: Int, logits: [Float]?)? {
        if let index = entries.firstIndex(where: { $0.logits != nil && $0.tokens == prompt }) {
            clock += 1
            entries[index].lastUse = clock
            return (entries[index].cache.copy(positions: prompt.count), prompt.count, entries[index].logits)
        }
        let limit = prompt.count - 1
        guard limit >= 1 else { return nil }
        var best = -1, bestLength = 0
        for (index, entry) in entries.enumerated() {
            let length = Self.commonPrefix(entry.tokens, prompt, limit: limit)
            if length > bestLength { (best, bestLength) = (index, length) }
        }
        guard best >= 0 else { return nil }
        let positions = pieces.lastEnd(in: prompt, upTo: bestLength)
        guard positions > 0 else { return nil }
        clock += 1
        entries[best].lastUse = clock
        return (entries[best].cache.copy(positions: positions), positions, nil)
    }

    /// Keeps the keys and values of `prompt`, the first positions of `cache`: all of them with
    /// `logits` (those after its last token), else up to its last piece end.
    package func store(prompt: [Int], cache: KVCache, logits: [Float]? = nil) {
        let whole = logits != nil && cache.count >= prompt.count
        let positions = whole ? prompt.count : pieces.lastEnd(in: prompt, upTo: cache.count)
        guard positions > 0 else { return }
        clock += 1
        let tokens = Array(prompt[0..<positions])
        // Already held: this very prompt with its logits, or (for pieces) within a longer entry.
        if let index = entries.firstIndex(where: { entry in
            whole ? entry.logits != nil && entry.tokens == tokens
                : entry.tokens.count >= positions && Self.commonPrefix(entry.tokens, tokens, limit: positions) == positions
        }) {
            entries[index].lastUse = clock
            return
        }
        // An entry that this one extends is no longer needed (its pieces are in this one; the
        // same shorter prompt again would compute its last piece).
        entries.removeAll { $0.tokens.count < positions && Self.commonPrefix($0.tokens, tokens, limit: $0.tokens.count) == $0.tokens.count }
        let entry = Entry(tokens: tokens, cache: cache.copy(positions: positions), logits: whole ? logits : nil, lastUse: clock)
        guard entry.byteCount <= budgetBytes else { return }
        entries.append(entry)
        var total = bytes
        while total > budgetBytes, let oldest = entries.indices.min(by: { entries[$0].lastUse < entries[$1].lastUse }) {
            total -= entries[oldest].byteCount
            entries.remove(at: oldest)
        }
    }

    static func commonPrefix(_ a: [Int], _ b: [Int], limit: Int) -> Int {
        let n = min(a.count, b.count, limit)
        var i = 0
        while i < n, a[i] == b[i] { i += 1 }
        return i
    }
}
