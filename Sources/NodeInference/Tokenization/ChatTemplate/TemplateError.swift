/// A chat template that cannot be compiled or rendered. `raised` carries the message of the
/// template's own `raise_exception(...)`, which an endpoint returns to the client as a 400.
public enum TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    case syntax(String, line: Int)
    case raised(String)
    case runtime(String)
    case limitExceeded(String)

    public var description: String {
        switch self {
        case .syntax(let message, let line): "template syntax error on line \(line): \(message)"
        case .raised(let message): message
        case .runtime(let message): "template error: \(message)"
        case .limitExceeded(let message): "template limit exceeded: \(message)"
        }
    }
}
