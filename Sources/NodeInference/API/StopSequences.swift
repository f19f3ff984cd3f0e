/// `stop`: a single string or an array of strings.
public struct StopSequences: Codable, Sendable, Equatable {
    /// The strings, in order.
    public var values: [String]
    /// Whether the client sent a single string rather than an array (kept for faithful re-encoding).
    public var wasSingle: Bool

    /// Creates a `StopSequences` from its fields.
    public init(_ values: [String]) {
        self.values = values
        self.wasSingle = false
    }

    /// Creates a `StopSequences` from its fields.
    public init(single value: String) {
        self.values = [value]
        self.wasSingle = true
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try container.decodeIfPresent(as: String.self) {
            self.init(single: single)
        } else if let many = try container.decodeIfPresent(as: [String].self) {
            self.init(many)
        } else {
            throw DecodingError.typeMismatch(
                StopSequences.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected a string or an array of strings")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if wasSingle, values.count == 1 {
            try container.encode(values[0])
        } else {
            try container.encode(values)
        }
    }
}
