import NodeInference
import Testing

@Suite("Streaming detokenizer")
struct StreamingDetokenizerTests {
    @Test func waitsForTheRestOfACharacter() {
        var detokenizer = StreamingDetokenizer()
        let bytes = Array("é🎉x".utf8)  // 2 + 4 + 1 bytes
        var out: [String] = []
        for byte in bytes { out.append(detokenizer.append([byte])) }
        #expect(out == ["", "é", "", "", "", "🎉", "x"])
        #expect(detokenizer.flush() == "")
    }

    @Test func invalidBytesAreRepairedAtTheEnd() {
        var detokenizer = StreamingDetokenizer()
        #expect(detokenizer.append([0xE4, 0xB8]) == "")
        #expect(detokenizer.flush() == "\u{FFFD}")
        #expect(detokenizer.append([0x80, 0x41]) == "\u{FFFD}A")
    }
}
