/// A chat template that cannot be compiled or rendered. `raised` carries the message of the
/// template's own `raise_exception(...)`, which an endpoint returns to the client as a 400.
public enum TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The template does not parse; `line` is 1-based.
    case syntax(String, line: Int)
    /// The template called `raise_exception` (e.g. a role it rejects).
    case raised(String)
    /// Rendering failed (an undefined operation, a wrong type).
    case runtime(String)
    /// The template ran past a size, depth or output limit (templates are untrusted).
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
