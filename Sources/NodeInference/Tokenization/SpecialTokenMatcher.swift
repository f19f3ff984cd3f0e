/// Finds special-token text in a string, leftmost then longest, as Hugging Face's added-token
/// splitting does.
struct SpecialTokenMatcher: Sendable {
    enum Segment: Equatable {
        case text(Substring)
        case special(Int)
    }

    /// Candidates by first byte, longest first.
    private let byFirstByte: [UInt8: [(bytes: [UInt8], id: Int)]]

    init(_ tokens: [([UInt8], Int)]) {
        var table: [UInt8: [(bytes: [UInt8], id: Int)]] = [:]
        for (bytes, id) in tokens where !bytes.isEmpty { table[bytes[0], default: []].append((bytes, id)) }
        byFirstByte = table.mapValues { $0.sorted { $0.bytes.count > $1.bytes.count } }
    }

    func split(_ text: String) -> [Segment] {
        guard !byFirstByte.isEmpty else { return [.text(Substring(text))] }
        let utf8 = Array(text.utf8)
        var segments: [Segment] = []
        var plainStart = 0
        var index = 0
        while index < utf8.count {
            if let candidates = byFirstByte[utf8[index]],
                let match = candidates.first(where: { candidate in
                    index + candidate.bytes.count <= utf8.count && utf8[index..<(index + candidate.bytes.count)].elementsEqual(candidate.bytes)
                })
            {
                if plainStart < index { segments.append(.text(Self.substring(text, plainStart, index))) }
                segments.append(.special(match.id))
                index += match.bytes.count
                plainStart = index
            } else {
                index += 1
            }
        }
        if plainStart < utf8.count { segments.append(.text(Self.substring(text, plainStart, utf8.count))) }
        return segments
    }

    /// Special tokens are whole UTF-8 strings, so match boundaries fall on scalar boundaries.
    private static func substring(_ text: String, _ from: Int, _ to: Int) -> Substring {
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: from)
        let end = utf8.index(utf8.startIndex, offsetBy: to)
        return Substring(text[start..<end])
    }
}
