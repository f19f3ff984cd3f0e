import Foundation

/// The body of `POST /v1/embeddings`.
public struct EmbeddingRequest: Codable, Sendable, Equatable {
    /// What to embed: a string, strings, token ids, or lists of token ids.
    public var input: PromptInput
    /// The model id, as the request named it.
    public var model: String
    /// `encoding_format`: `float` (the default) or `base64`.
    public var encodingFormat: EmbeddingEncodingFormat?
    /// Truncate each vector to this many dimensions (then re-normalise).
    public var dimensions: Int?
    /// An identifier of the end user; accepted, with no effect.
    public var user: String?

    /// Creates an `EmbeddingRequest` from its fields.
    public init(input: PromptInput, model: String, encodingFormat: EmbeddingEncodingFormat? = nil, dimensions: Int? = nil) {
        self.input = input
        self.model = model
        self.encodingFormat = encodingFormat
        self.dimensions = dimensions
    }

    enum CodingKeys: String, CodingKey {
        case input, model, dimensions, user
        case encodingFormat = "encoding_format"
    }
}

/// How vectors are encoded in the response.
public enum EmbeddingEncodingFormat: String, Codable, Sendable, Equatable {
    /// An array of numbers.
    case float
    /// Little-endian float32 values, base64-encoded (what the official Python SDK asks for by default).
    case base64
}

/// The body of an embeddings response.
public struct EmbeddingList: Codable, Sendable, Equatable {
    /// The object type OpenAI's wire format names (`chat.completion`, `text_completion`, `list`,
    /// …).
    public var object: String
    /// The items of the list.
    public var data: [Embedding]
    /// The model id, as the request named it.
    public var model: String
    /// Token counts of the request.
    public var usage: EmbeddingUsage

    /// Creates an `EmbeddingList` from its fields.
    public init(data: [Embedding], model: String, usage: EmbeddingUsage) {
        self.object = "list"
        self.data = data
        self.model = model
        self.usage = usage
    }
}

/// One input's vector in an embeddings response.
public struct Embedding: Codable, Sendable, Equatable {
    /// The object type OpenAI's wire format names (`chat.completion`, `text_completion`, `list`,
    /// …).
    public var object: String
    /// The vector: floats, or base64 of little-endian float32 when the request asked for `base64`.
    public var embedding: EmbeddingVector
    /// Position of the input this vector belongs to.
    public var index: Int

    /// Creates an `Embedding` from its fields.
    public init(embedding: EmbeddingVector, index: Int) {
        self.object = "embedding"
        self.embedding = embedding
        self.index = index
    }
}

/// A vector as JSON numbers or as base64 of little-endian float32.
public enum EmbeddingVector: Codable, Sendable, Equatable {
    /// The vector as numbers.
    case float([Float])
    /// The vector as base64 of little-endian float32 (the Python SDK's default request).
    case base64(String)

    /// Creates an `EmbeddingVector` from its fields.
    public init(_ values: [Float], format: EmbeddingEncodingFormat) {
        switch format {
        case .float:
            self = .float(values)
        case .base64:
            var bytes = [UInt8]()
            bytes.reserveCapacity(values.count * 4)
            for value in values {
                let bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
            }
            self = .base64(Data(bytes).base64EncodedString())
        }
    }

    /// The values, decoding base64 if needed; `nil` if the base64 is malformed.
    public var values: [Float]? {
        switch self {
        case .float(let values):
            return values
        case .base64(let text):
            guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
            return stride(from: 0, to: data.count, by: 4).map { offset in
                var bits: UInt32 = 0
                for byte in 0..<4 { bits |= UInt32(data[data.startIndex + offset + byte]) << (8 * UInt32(byte)) }
                return Float(bitPattern: bits)
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .base64(text)
        } else {
            self = .float(try container.decode([Float].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .float(let values): try container.encode(values)
        case .base64(let text): try container.encode(text)
        }
    }
}
