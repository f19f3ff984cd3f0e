import Foundation

extension LanguageModel {
    /// The prompt tokens of a conversation, rendered with the model's own chat template (or
    /// `template`) as transformers' `apply_chat_template` renders it.
    public func chatPrompt(_ messages: [ChatMessage], addGenerationPrompt: Bool = true, template: ChatTemplate? = nil) throws -> [Int] {
        guard let template = template ?? chatTemplate else {
            throw ModelError.invalidConfiguration("the model has no chat template")
        }
        let values: [TemplateValue] = messages.map { message in
            var object = OrderedObject()
            object["role"] = .string(message.role.rawValue)
            object["content"] = message.content.map { .string($0.text) } ?? TemplateValue.none
            return .object(object)
        }
        let text = try template.render(
            messages: .array(values), addGenerationPrompt: addGenerationPrompt,
            bosToken: tokenizer.beginningOfSequenceToken.map { tokenizer.piece(of: $0) },
            eosToken: tokenizer.endOfGenerationTokens.min().map { tokenizer.piece(of: $0) })
        return tokenizer.encode(text, parseSpecial: true, addSpecial: false)
    }
}
