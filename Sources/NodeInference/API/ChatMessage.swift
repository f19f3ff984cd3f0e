/// Who wrote a chat message.
public enum ChatRole: String, Codable, Sendable, Equatable {
    /// The author of a message, as OpenAI names them (`developer` is the newer name of `system`;
    /// `function` is the deprecated form of `tool`).
    case system, developer, user, assistant, tool, function
}

/// One message of a chat request. A single struct for every role: which fields a role
/// requires is checked by the endpoint, so its 400 can name the field.
public struct ChatMessage: Codable, Sendable, Equatable {
    /// Who wrote the message.
    public var role: ChatRole
    /// `null` for an assistant message that only carries tool calls.
    public var content: MessageContent?
    /// A name: of the function, tool or message author.
    public var name: String?
    /// Tool calls an assistant made earlier in the conversation.
    public var toolCalls: [ToolCall]?
    /// For `role: tool`, the call this message answers.
    public var toolCallID: String?
    /// A refusal message; this server never refuses, so it is always `nil`.
    public var refusal: String?
    /// Deprecated form of `tool_calls`.
    public var functionCall: FunctionCall?
    /// Audio of an earlier assistant turn (`{"id": ...}`); not supported by this server.
    public var audio: JSONValue?

    /// Creates a `ChatMessage` from its fields.
    public init(role: ChatRole, content: MessageContent?, name: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
    }

    /// Creates a `ChatMessage` from its fields.
    public init(role: ChatRole, text: String) {
        self.init(role: role, content: .text(text))
    }

    enum CodingKeys: String, CodingKey {
        case role, content, name, refusal, audio
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
        case functionCall = "function_call"
    }
}

/// Message content: a plain string or an array of typed parts.
public enum MessageContent: Codable, Sendable, Equatable {
    /// Plain text.
    case text(String)
    /// Content parts (text parts are served; image, audio and file parts are refused).
    case parts([ContentPart])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try container.decodeIfPresent(as: String.self) {
            self = .text(text)
            return
        }
        // Decoding the array directly (not through try?) keeps the path of a bad part in the error.
        guard (try? container.decode([JSONValue].self)) != nil else {
            throw DecodingError.typeMismatch(
                MessageContent.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected a string or an array of content parts")
            )
        }
        self = .parts(try container.decode([ContentPart].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .parts(let parts): try container.encode(parts)
        }
    }

    /// The text of the content: the string itself, or the text parts joined, in order.
    /// Non-text parts contribute nothing; endpoints that cannot use them refuse them first.
    public var text: String {
        switch self {
        case .text(let text):
            return text
        case .parts(let parts):
            return parts.compactMap { part -> String? in
                if case .text(let text) = part { return text }
                return nil
            }.joined()
        }
    }
}

/// A typed part of message content.
public enum ContentPart: Codable, Sendable, Equatable {
    /// A text part.
    case text(String)
    /// An image part (refused: the served models read text).
    case imageURL(ImageURL)
    /// An audio part (refused).
    case inputAudio(InputAudio)
    /// A file part (refused).
    case file(JSONValue)
    /// A refusal part of an earlier assistant message, read as text.
    case refusal(String)

    /// An image reference of an image part.
    public struct ImageURL: Codable, Sendable, Equatable {
        /// The image's URL or data URL.
        public var url: String
        /// The requested image detail.
        public var detail: String?

        /// Creates a `ContentPart.ImageURL` from its fields.
        public init(url: String, detail: String? = nil) {
            self.url = url
            self.detail = detail
        }
    }

    /// The audio of an audio part.
    public struct InputAudio: Codable, Sendable, Equatable {
        /// The audio, base64.
        public var data: String
        /// The audio format.
        public var format: String

        /// Creates a `ContentPart.InputAudio` from its fields.
        public init(data: String, format: String) {
            self.data = data
            self.format = format
        }
    }

    /// The wire name of the part's type, as an endpoint names it in a refusal.
    public var typeName: String {
        switch self {
        case .text: "text"
        case .imageURL: "image_url"
        case .inputAudio: "input_audio"
        case .file: "file"
        case .refusal: "refusal"
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, text, refusal, file
        case imageURL = "image_url"
        case inputAudio = "input_audio"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text": self = .text(try container.decode(String.self, forKey: .text))
        case "image_url": self = .imageURL(try container.decode(ImageURL.self, forKey: .imageURL))
        case "input_audio": self = .inputAudio(try container.decode(InputAudio.self, forKey: .inputAudio))
        case "file": self = .file(try container.decode(JSONValue.self, forKey: .file))
        case "refusal": self = .refusal(try container.decode(String.self, forKey: .refusal))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type,
                in: container,
                debugDescription: "unknown content part type '\(type)'; expected text, image_url, input_audio, file or refusal"
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .text(let text): try container.encode(text, forKey: .text)
        case .imageURL(let image): try container.encode(image, forKey: .imageURL)
        case .inputAudio(let audio): try container.encode(audio, forKey: .inputAudio)
        case .file(let file): try container.encode(file, forKey: .file)
        case .refusal(let refusal): try container.encode(refusal, forKey: .refusal)
        }
    }
}
