/// Little-endian reads over untrusted bytes. Every read is bounds-checked and throws
/// `.truncated` instead of reading past the end.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func skip(_ count: Int, what: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= remaining else { throw .truncated(what: what(), offset: offset) }
        offset += count
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, what: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { throw .truncated(what: what(), offset: offset) }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func readFloat(what: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what: what()))
    }

    mutating func readDouble(what: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what: what()))
    }

    /// A GGUF string: a u64 byte length, then UTF-8 bytes.
    mutating func readString(what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try read(UInt64.self, what: what())
        guard length <= UInt64(remaining) else { throw .stringPastEnd(what: what(), offset: start, length: length) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))])
        offset += Int(length)
        guard let text = String(validating: slice, as: UTF8.self) else { throw .invalidUTF8(what: what(), offset: start) }
        return text
    }
}
