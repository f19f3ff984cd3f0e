/// A mistake in `config.toml`. The description is one line naming the file, the key and
/// what is wrong, fit to print before exiting.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dotted key at fault (`api.models.chat.type`), or `nil` for the file as a whole.
    public var key: String?
    public var message: String
    public var file: String

    public init(file: String, key: String?, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(file): \(key): \(message)" }
        return "\(file): \(message)"
    }
}
