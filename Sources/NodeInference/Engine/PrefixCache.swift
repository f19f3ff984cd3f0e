/// Keys and values of recent prompts, kept so that a new prompt starting the same way (the
/// same system prompt, the conversation so far) skips computing that prefix.
///
/// Only whole chunks (``LlamaRunState/chunk``) are kept and reused: a prompt is computed in
/// chunks starting at multiples of the chunk size, so a reused prefix holds exactly the
/// values that computing it again would give, and the output does not depend on what was
/// cached. Least recently used entries go first when the budget is exceeded.
package final class PrefixCache {
    private struct Entry {
        var tokens: [Int]
        var cache: KVCache
        var lastUse: Int
    }

    package let budgetBytes: Int
    private var entries: [Entry] = []
    private var clock = 0

    package init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

    package var bytes: Int { entries.reduce(0) { $0 + $1.cache.byteCount } }
    package var count: Int { entries.count }

    /// A private copy of the longest cached prefix of `prompt`, in whole chunks, leaving at
    /// least one token to compute (its logits start the generation).
    package func lookup(_ prompt: [Int]) -> (cache: KVCache, positions: Int)? {
        let chunk = LlamaRunState.chunk
        let limit = (prompt.count - 1) / chunk * chunk
        guard limit >= chunk else { return nil }
        var best = -1, bestLength = 0
        for (index, entry) in entries.enumerated() {
            let length = Self.commonPrefix(entry.tokens, prompt, limit: limit)
            if length > bestLength { (best, bestLength) = (index, length) }
        }
        let positions = bestLength / chunk * chunk
        guard best >= 0, positions >= chunk else { return nil }
        clock += 1
        entries[best].lastUse = clock
        return (entries[best].cache.copy(positions: positions), positions)
    }

    /// Keeps the whole chunks of `prompt` whose keys and values are the first positions of `cache`.
    package func store(prompt: [Int], cache: KVCache) {
        let chunk = LlamaRunState.chunk
        let positions = min(prompt.count, cache.count) / chunk * chunk
        guard positions >= chunk else { return }
        clock += 1
        let tokens = Array(prompt[0..<positions])
        if let index = entries.firstIndex(where: { $0.tokens.count >= positions && Self.commonPrefix($0.tokens, tokens, limit: positions) == positions }) {
            entries[index].lastUse = clock  // already held, perhaps within a longer entry
            return
        }
        // An entry that this one extends is no longer needed.
        entries.removeAll { $0.tokens.count < positions && Self.commonPrefix($0.tokens, tokens, limit: $0.tokens.count) == $0.tokens.count }
        let entry = Entry(tokens: tokens, cache: cache.copy(positions: positions), lastUse: clock)
        guard entry.cache.byteCount <= budgetBytes else { return }
        entries.append(entry)
        var total = bytes
        while total > budgetBytes, let oldest = entries.indices.min(by: { entries[$0].lastUse < entries[$1].lastUse }) {
            total -= entries[oldest].cache.byteCount
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
