import Foundation

extension LanguageModel {
    /// The chat template the model ships: GGUF `tokenizer.chat_template`, or the
    /// `chat_template` of a folder's `tokenizer_config.json`; `nil` when it has none.
    public static func bundledChatTemplate(path: String) throws -> String? {
        if ModelRegistry.isFolder(path) {
            let config = (path as NSString).appendingPathComponent("tokenizer_config.json")
            guard let data = FileManager.default.contents(atPath: config),
                case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data)
            else { return nil }
            switch root["chat_template"] {
            case .string(let source)?: return source
            case .array(let named)?:
                // Several named templates: the one called "default".
                for case .object(let entry) in named where entry["name"] == .string("default") {
                    if case .string(let source)? = entry["template"] { return source }
                }
                return nil
            default: return nil
            }
        }
        return try GGUFFile(path: path).metadata["tokenizer.chat_template"]?.stringValue
    }
}
