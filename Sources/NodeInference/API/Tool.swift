/// A tool the model may call (`tools[i]`).
public struct Tool: Codable, Sendable, Equatable {
    /// The object's type tag, as OpenAI's wire format names it.
    public var type: String
    /// The function called or offered.
    public var function: FunctionDefinition

    /// Creates a `Tool` from its fields.
    public init(function: FunctionDefinition) {
        self.type = "function"
        self.function = function
    }
}

/// The function a tool exposes; `parameters` is a JSON Schema object.
public struct FunctionDefinition: Codable, Sendable, Equatable {
    /// A name: of the function, tool or message author.
    public var name: String
    /// What the function does, for the model.
    public var description: String?
    /// The function's parameters, as a JSON Schema.
    public var parameters: JSONValue?
    /// Whether the schema must be followed exactly.
    public var strict: Bool?

    /// Creates a `FunctionDefinition` from its fields.
    public init(name: String, description: String? = nil, parameters: JSONValue? = nil, strict: Bool? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.strict = strict
    }
}

/// A call the assistant made: a function name and its arguments as a JSON string.
public struct ToolCall: Codable, Sendable, Equatable {
    /// The object's identifier (`chatcmpl-…`, `cmpl-…`, a model id, or a tool call's id).
    public var id: String
    /// The object's type tag, as OpenAI's wire format names it.
    public var type: String
    /// The function called or offered.
    public var function: FunctionCall

    /// Creates a `ToolCall` from its fields.
    public init(id: String, function: FunctionCall) {
        self.id = id
        self.type = "function"
        self.function = function
    }
}

/// A function call: its name and JSON arguments.
public struct FunctionCall: Codable, Sendable, Equatable {
    /// A name: of the function, tool or message author.
    public var name: String
    /// JSON text, exactly as the model produced it.
    public var arguments: String

    /// Creates a `FunctionCall` from its fields.
    public init(name: String, arguments: String) {
        self.name = name
        self.arguments = arguments
    }
}

/// `tool_choice`: `"none"`, `"auto"`, `"required"`, or `{"type": "function", "function": {"name": ...}}`.
public enum ToolChoice: Codable, Sendable, Equatable {
    /// Never call a tool.
    case none
    /// The model decides (with no tools, it never calls one).
    case auto
    /// The model must call a tool (refused: tool calling is not implemented).
    case required
    /// The model must call this function (refused).
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
    /// The object's type tag, as OpenAI's wire format names it.
    public var type: String
    /// `json_schema`: the schema of a `json_schema` response format.
    public var jsonSchema: JSONValue?

    /// Creates a `ResponseFormat` from its fields.
    public init(type: String, jsonSchema: JSONValue? = nil) {
        self.type = type
        self.jsonSchema = jsonSchema
    }

    enum CodingKeys: String, CodingKey {
        case type
        case jsonSchema = "json_schema"
    }
}
