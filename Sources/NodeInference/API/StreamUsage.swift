/// The `usage` key of a streamed chunk, which has three states on the wire: absent (the client
/// did not ask for usage), `null` (asked, on every chunk but the last) and a value (the last chunk).
public enum StreamUsage: Sendable, Equatable {
    /// No `usage` key (the request did not ask for usage).
    case omitted
    /// `"usage": null`, on every chunk but the last when the request asked for usage.
    case null
    /// The usage, in the last chunk.
    case value(Usage)

    var usage: Usage? {
        if case .value(let usage) = self { return usage }
        return nil
    }
}

extension KeyedEncodingContainer {
    mutating func encode(_ usage: StreamUsage, forKey key: Key) throws {
        switch usage {
        case .omitted: break
        case .null: try encodeNil(forKey: key)
        case .value(let value): try encode(value, forKey: key)
        }
    }
}

extension KeyedDecodingContainer {
    func decodeStreamUsage(forKey key: Key) throws -> StreamUsage {
        guard contains(key) else { return .omitted }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(Usage.self, forKey: key))
    }
}
