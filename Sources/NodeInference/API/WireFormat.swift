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
        // JSON is UTF-8 (RFC 8259); say where it is not rather than "not valid JSON".
        if let offset = invalidUTF8Offset(data) {
            throw RequestDecodingError(message: "The request body is not valid UTF-8 (at byte \(offset)).", param: nil)
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            if let offset = unpairedSurrogateOffset(data) {
                throw RequestDecodingError(
                    message: "The request body has a \\u escape of half a UTF-16 surrogate pair at byte \(offset); strings must be valid Unicode.",
                    param: nil)
            }
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

extension WireFormat {
    /// The byte offset of the first byte sequence of `data` that is not UTF-8, or `nil`.
    static func invalidUTF8Offset(_ data: Data) -> Int? {
        var iterator = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

extension WireFormat {
    /// The byte offset of a `\\uD800`–`\\uDFFF` escape inside a JSON string that is not one
    /// half of a high-low pair (JSON allows it, a Swift string cannot hold it), or `nil`.
    static func unpairedSurrogateOffset(_ data: Data) -> Int? {
        let bytes = [UInt8](data)
        func hex(_ at: Int) -> Int? {
            guard at + 4 <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[at..<at + 4] {
                guard let digit = Int(String(UnicodeScalar(byte)), radix: 16) else { return nil }
                value = value * 16 + digit
            }
            return value
        }
        var index = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            guard inString else {
                if byte == UInt8(ascii: "\"") { inString = true }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = false
                index += 1
            } else if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                guard bytes[index + 1] == UInt8(ascii: "u"), let unit = hex(index + 2) else {
                    index += 2
                    continue
                }
                if (0xDC00...0xDFFF).contains(unit) { return index }
                if (0xD800...0xDBFF).contains(unit) {
                    let pairs = index + 7 < bytes.count && bytes[index + 6] == UInt8(ascii: "\\") && bytes[index + 7] == UInt8(ascii: "u")
                    guard pairs, let low = hex(index + 8), (0xDC00...0xDFFF).contains(low) else { return index }
                    index += 12
                } else {
                    index += 6
                }
            } else {
                index += 1
            }
        }
        return nil
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

extension SingleValueDecodingContainer {
    /// The value as a `T` when it is one, `nil` when it is of another type. A value of the
    /// right type that is broken — a string with an unpaired surrogate escape — throws, so that
    /// an "either this or that" field reports what is wrong instead of "expected this or that".
    func decodeIfPresent<T: Decodable>(as type: T.Type) throws -> T? {
        do {
            return try decode(type)
        } catch DecodingError.typeMismatch {
            return nil
        } catch DecodingError.valueNotFound {
            return nil
        }
    }
}
