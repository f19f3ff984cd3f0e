/// Why a choice stopped generating.
public enum FinishReason: String, Codable, Sendable, Equatable {
    case stop
    case length
    case toolCalls = "tool_calls"
    case contentFilter = "content_filter"
    case functionCall = "function_call"
}
