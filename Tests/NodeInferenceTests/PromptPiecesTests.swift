import NodeInference
import Testing

/// Where prompts are cut: at multiples of 64 and after end-of-turn tokens, the same for a
/// prefix whatever follows it or wherever a forward call starts.
@Suite("Prompt pieces")
struct PromptPiecesTests {
    static let end = 2
    static let pieces = PromptPieces(breakAfter: [end])

    static func split(_ tokens: [Int], start: Int = 0) -> [Int] {
        var lengths: [Int] = []
        pieces.split(tokens[...], start: start) { offset, length in
            #expect(offset == lengths.reduce(0, +))
            lengths.append(length)
        }
        return lengths
    }

    @Test func cutsAfterEndTokensAndAtChunkBoundaries() {
        #expect(Self.split([]) == [])
        #expect(Self.split([5, 6, 7]) == [3])
        // After the end token, never an empty piece when it is the last token.
        #expect(Self.split([5, 2, 6, 7, 2]) == [2, 3])
        #expect(Self.split([2, 2, 5]) == [1, 1, 1])
        // A multiple of 64 ends a piece whatever the token; counted from the sequence's start.
        let long = [Int](repeating: 5, count: 150)
        #expect(Self.split(long) == [64, 64, 22])
        #expect(Self.split(Array(long[..<100]), start: 50) == [14, 64, 22])
        // An end token right before a multiple of 64 makes one cut, not two.
        var turn = [Int](repeating: 5, count: 70)
        turn[63] = Self.end
        #expect(Self.split(turn) == [64, 6])
    }

    @Test func aPrefixIsCutTheSameWayWhateverFollowsIt() {
        var generator = SplitMix(seed: 9)
        for _ in 0..<200 {
            let tokens = (0..<Int(generator.unit() * 300)).map { _ in generator.unit() < 0.05 ? Self.end : 7 }
            let ends = Self.split(tokens).reduce(into: [0]) { $0.append($0.last! + $1) }
            for limit in [0, 1, tokens.count / 3, tokens.count] {
                let last = Self.pieces.lastEnd(in: tokens, upTo: limit)
                // The last piece end at or before `limit`, among the cuts of the whole prompt
                // (or the prompt's own end, which `split` reports but need not be a piece end).
                #expect(last <= limit)
                #expect(ends.contains(last) || last == 0)
                #expect(!ends.contains { $0 > last && $0 <= limit && $0 < tokens.count })
                // Computing from that piece end cuts the rest as the whole prompt was cut.
                if last < tokens.count {
                    let rest = Self.split(Array(tokens[last...]), start: last).reduce(into: [last]) { $0.append($0.last! + $1) }
                    #expect(rest == ends.filter { $0 >= last })
                }
            }
        }
    }
}
