import Foundation

/// JSON coding as the OpenAI wire format needs it, and request decoding whose errors name
/// the offending field, so that a 400 can set `param`.
public enum WireFormat {
    /// An encoder that leaves `/` unescaped, as OpenAI does, with keys in a stable order.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    /// Decodes a request body. Unknown fields are ignored; malformed JSON or a field of the
    /// wrong type throws a ``RequestDecodingError`` naming the field path (`messages[0].content`).
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(RequestDecodingError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            // Foundation on Linux reports a fraction or an out-of-range number in an integer
            // field as "not valid JSON" with no path; find the field before answering.
            throw NumberDiagnosis.locate(type, in: data)
                ?? RequestDecodingError(message: "The request body is not valid JSON.", param: nil)
        } catch let error as DecodingError {
            throw RequestDecodingError(error)
        } catch {
            throw RequestDecodingError(message: "The request body is not valid JSON.", param: nil)
        }
    }
}

/// A request body that could not be decoded: the message says what is wrong, `param` where.
public struct RequestDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The generated message.
    public var message: String
    /// The request field the error is about, when there is one.
    public var param: String?

    /// Creates a `RequestDecodingError` from its fields.
    public init(message: String, param: String?) {
        self.message = message
        self.param = param
    }

    public var description: String { message }

    init(_ error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            let path = Self.path(context.codingPath)
            let expected = Self.describe(type)
            let detail = context.debugDescription.hasPrefix("expected") ? context.debugDescription : "expected \(expected)"
            self.init(message: "Invalid type for '\(path ?? "body")': \(detail).", param: path)
        case .valueNotFound(let type, let context):
            let path = Self.path(context.codingPath)
            self.init(message: "Invalid value for '\(path ?? "body")': expected \(Self.describe(type)), got null.", param: path)
        case .keyNotFound(let key, let context):
            let path = Self.path(context.codingPath + [key])
            self.init(message: "Missing required parameter: '\(path ?? key.stringValue)'.", param: path)
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.init(message: "The request body is not valid JSON.", param: nil)
            } else {
                let path = Self.path(context.codingPath)
                self.init(message: "Invalid value for '\(path ?? "body")': \(context.debugDescription).", param: path)
            }
        @unknown default:
            self.init(message: "The request body could not be decoded.", param: nil)
        }
    }

    /// `messages[0].content` from a coding path.
    static func path(_ codingPath: [any CodingKey]) -> String? {
        var path = ""
        for key in codingPath {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path.isEmpty ? nil : path
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        default:
            if String(describing: type).hasPrefix("Array") { "an array" }
            else if String(describing: type).hasPrefix("Dictionary") { "an object" }
            else { "a value of another type" }
        }
    }
}
