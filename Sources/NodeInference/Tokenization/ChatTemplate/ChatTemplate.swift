import Foundation

/// A chat template compiled once into an immutable value and rendered for each request, with
/// the variables Hugging Face passes (`messages`, `tools`, `add_generation_prompt`,
/// `bos_token`, `eos_token`) and its globals (`raise_exception`, `strftime_now`).
/// Renders match Python's `jinja2` configured as `transformers` configures it
/// (`trim_blocks`, `lstrip_blocks`, loop controls, `tojson` as `json.dumps`).
public struct ChatTemplate: Sendable {
    /// The template's text.
    public let source: String
    let nodes: [TemplateNode]

    /// Templates are configuration, but untrusted: bound their size.
    public static let maxSourceBytes = 1 << 20

    /// Creates a `ChatTemplate` from its fields.
    public init(source: String) throws(TemplateError) {
        guard source.utf8.count <= Self.maxSourceBytes else { throw .limitExceeded("template larger than \(Self.maxSourceBytes) bytes") }
        self.source = source
        self.nodes = try TemplateParser.parse(source)
    }

    /// Renders the conversation as `transformers`' `apply_chat_template` does.
    ///
    /// - Parameters:
    ///   - messages: an array of message objects (as JSON decodes them, key order kept).
    ///   - tools: the tools array, or `nil` (the template then sees `none`).
    ///   - addGenerationPrompt: end with the opening of an assistant turn.
    ///   - bosToken: the `bos_token` variable; `nil` leaves it undefined, as transformers does.
    ///   - eosToken: the `eos_token` variable; `nil` leaves it undefined.
    ///   - now: the clock `strftime_now` reads.
    ///   - extra: further variables (a template may read, for example, `enable_thinking`).
    public func render(
        messages: TemplateValue,
        tools: TemplateValue? = nil,
        addGenerationPrompt: Bool,
        bosToken: String? = nil,
        eosToken: String? = nil,
        now: Date = Date(),
        extra: [String: TemplateValue] = [:]
    ) throws(TemplateError) -> String {
        var variables = extra
        variables["messages"] = messages
        variables["tools"] = tools ?? TemplateValue.none
        variables["add_generation_prompt"] = .bool(addGenerationPrompt)
        if let bosToken { variables["bos_token"] = .string(bosToken) }
        if let eosToken { variables["eos_token"] = .string(eosToken) }
        return try TemplateInterpreter(variables: variables, now: now).render(nodes)
    }

    /// Renders from a JSON object `{"messages", "tools", "add_generation_prompt", "bos_token",
    /// "eos_token", "now"}` (`now` an ISO 8601 date-time fixing the clock).
    public func render(json: String) throws(TemplateError) -> String {
        guard case .object(let input) = try TemplateJSON.parse(json) else { throw .runtime("the input is not a JSON object") }
        guard let messages = input["messages"], case .array = messages else { throw .runtime("the input has no 'messages' array") }
        var now = Date()
        if case .string(let text)? = input["now"] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            guard let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text) else {
                throw .runtime("'now' is not an ISO 8601 date-time: \(text)")
            }
            now = date
        }
        func string(_ key: String) -> String? {
            if case .string(let text)? = input[key] { return text }
            return nil
        }
        var tools: TemplateValue?
        if let value = input["tools"], value != TemplateValue.none { tools = value }
        return try render(
            messages: messages, tools: tools, addGenerationPrompt: input["add_generation_prompt"]?.isTruthy ?? false,
            bosToken: string("bos_token"), eosToken: string("eos_token"), now: now)
    }
}
