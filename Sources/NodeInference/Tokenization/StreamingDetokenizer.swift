/// Turns generated tokens into text one token at a time without ever emitting a broken UTF-8
/// sequence: bytes of an unfinished character wait for the token that completes them.
public struct StreamingDetokenizer: Sendable {
    private var pending: [UInt8] = []

    /// An empty `StreamingDetokenizer` (every field at its default).
    public init() {}

    /// Text that became complete with these bytes (possibly empty).
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending += bytes
        let complete = Self.completePrefixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// What is left at the end of generation, invalid bytes repaired with U+FFFD.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a (possibly valid) UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        // Look back at most 3 bytes for the lead byte of an unfinished sequence.
        var back = 0
        while back < 3, index > 0, bytes[index - 1] & 0xC0 == 0x80 {
            index -= 1
            back += 1
        }
        guard index > 0 else { return bytes.count > 3 ? bytes.count : 0 }
        let lead = bytes[index - 1]
        let needed: Int
        switch lead {
        case 0xC0...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF7: needed = 4
        default: return bytes.count  // ASCII or stray continuation bytes: nothing to wait for
        }
        let have = bytes.count - (index - 1)
        return have >= needed ? bytes.count : index - 1
    }
}
