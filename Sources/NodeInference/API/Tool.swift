/// A tool the model may call (`tools[i]`).
public struct Tool: Codable, Sendable, Equatable {
    public var type: String
    public var function: FunctionDefinition

    public init(function: FunctionDefinition) {
        self.type = "function"
        self.function = function
    }
}

/// The function a tool exposes; `parameters` is a JSON Schema object.
public struct FunctionDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var parameters: JSONValue?
    public var strict: Bool?

    public init(name: String, description: String? = nil, parameters: JSONValue? = nil, strict: Bool? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.strict = strict
    }
}

/// A call the assistant made: a function name and its arguments as a JSON string.
public struct ToolCall: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var function: FunctionCall

    public init(id: String, function: FunctionCall) {
        self.id = id
        self.type = "function"
        self.function = function
    }
}

public struct FunctionCall: Codable, Sendable, Equatable {
    public var name: String
    /// JSON text, exactly as the model produced it.
    public var arguments: String

    public init(name: String, arguments: String) {
        self.name = name
        self.arguments = arguments
    }
}

/// `tool_choice`: `"none"`, `"auto"`, `"required"`, or `{"type": "function", "function": {"name": ...}}`.
public enum ToolChoice: Codable, Sendable, Equatable {
    case none
    case auto
    case required
    case function(name: String)

    private struct Named: Codable {
        struct Function: Codable { var name: String }
        var type: String
        var function: Function
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let mode = try? container.decode(String.self) {
            switch mode {
            case "none": self = .none
            case "auto": self = .auto
            case "required": self = .required
            default:
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "unknown tool_choice '\(mode)'; expected none, auto, required or an object"
                )
            }
            return
        }
        guard let named = try? container.decode(Named.self), named.type == "function" else {
            throw DecodingError.typeMismatch(
                ToolChoice.self,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}"
                )
            )
        }
        self = .function(name: named.function.name)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .none: try container.encode("none")
        case .auto: try container.encode("auto")
        case .required: try container.encode("required")
        case .function(let name): try container.encode(Named(type: "function", function: .init(name: name)))
        }
    }
}

/// `response_format`: `text`, `json_object`, or `json_schema` with its schema.
public struct ResponseFormat: Codable, Sendable, Equatable {
    public var type: String
    public var jsonSchema: JSONValue?

    public init(type: String, jsonSchema: JSONValue? = nil) {
        self.type = type
        self.jsonSchema = jsonSchema
    }

    enum CodingKeys: String, CodingKey {
        case type
        case jsonSchema = "json_schema"
    }
}
