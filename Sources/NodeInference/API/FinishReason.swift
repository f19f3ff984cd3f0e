/// Why a choice stopped generating.
public enum FinishReason: String, Codable, Sendable, Equatable {
    /// The model ended its answer (an end token) or a stop string matched.
    case stop
    /// `max_tokens` or the context length was reached.
    case length
    /// The model called a tool (never produced here).
    case toolCalls = "tool_calls"
    /// Content was filtered (never produced here).
    case contentFilter = "content_filter"
    /// The deprecated form of `tool_calls` (never produced here).
    case functionCall = "function_call"
}
