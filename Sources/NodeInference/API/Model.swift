/// A model as `GET /v1/models` lists it.
public struct Model: Codable, Sendable, Equatable {
    /// The object's identifier (`chatcmpl-…`, `cmpl-…`, a model id, or a tool call's id).
    public var id: String
    /// The object type OpenAI's wire format names (`chat.completion`, `text_completion`, `list`,
    /// …).
    public var object: String
    /// Unix time, in seconds.
    public var created: Int
    /// `owned_by`: who serves the model.
    public var ownedBy: String

    /// Creates a `Model` from its fields.
    public init(id: String, created: Int, ownedBy: String) {
        self.id = id
        self.object = "model"
        self.created = created
        self.ownedBy = ownedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created
        case ownedBy = "owned_by"
    }
}

/// The body of `GET /v1/models`.
public struct ModelList: Codable, Sendable, Equatable {
    /// The object type OpenAI's wire format names (`chat.completion`, `text_completion`, `list`,
    /// …).
    public var object: String
    /// The items of the list.
    public var data: [Model]

    /// Creates a `ModelList` from its fields.
    public init(data: [Model]) {
        self.object = "list"
        self.data = data
    }
}
