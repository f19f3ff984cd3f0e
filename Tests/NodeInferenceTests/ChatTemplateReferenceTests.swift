import Foundation
import NodeInference
import Testing

/// Every template of shared/chat-templates over the committed conversations, with
/// add_generation_prompt on and off, against Python's jinja2 set up as transformers sets it up
/// (Scripts/reference_templates.py): byte-identical renders, and errors where it raises.
@Suite("Chat templates against jinja2")
struct ChatTemplateReferenceTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            var template: String
            var file: String
            var path: String
            var conversation: String
            var add_generation_prompt: Bool
            var bos_token: String?
            var eos_token: String?
            var output: String?
            var error: String?
            var raised: Bool?
        }
        var now: String
        var cases: [Case]
    }

    static let templates = RealModel.root.deletingLastPathComponent().appendingPathComponent("shared/chat-templates")

    @Test func rendersMatchJinja2() throws {
        let path = RealModel.root.appendingPathComponent(".cache/reference/templates.json").path
        try RealModel.requireFile(path, command: "make reference")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let conversations = try TemplateJSON.parse(
            String(contentsOf: RealModel.root.appendingPathComponent("Tests/NodeInferenceTests/Fixtures/templates/conversations.json"), encoding: .utf8))
        guard case .object(let spec) = conversations, case .array(let list)? = spec["conversations"] else {
            Issue.record("bad conversations fixture")
            return
        }
        var byName: [String: OrderedObject] = [:]
        for case .object(let conversation) in list { if case .string(let name)? = conversation["name"] { byName[name] = conversation } }
        var compiled: [String: ChatTemplate] = [:]
        let now = ISO8601DateFormatter().date(from: reference.now) ?? Date()
        #expect(Set(reference.cases.map(\.template)).count == 11)
        var matched = 0
        for item in reference.cases {
            let template: ChatTemplate
            if let cached = compiled[item.file] {
                template = cached
            } else {
                template = try ChatTemplate(source: String(contentsOf: URL(fileURLWithPath: item.path, relativeTo: RealModel.root), encoding: .utf8))
                compiled[item.file] = template
            }
            let conversation = try #require(byName[item.conversation])
            let label = "\(item.template) / \(item.conversation) / add_generation_prompt=\(item.add_generation_prompt)"
            do {
                let output = try template.render(
                    messages: conversation["messages"] ?? .array([]), tools: conversation["tools"],
                    addGenerationPrompt: item.add_generation_prompt, bosToken: item.bos_token, eosToken: item.eos_token, now: now)
                if let expected = item.output {
                    #expect(output == expected, "\(label)\n--- ours:\n\(output)\n--- jinja2:\n\(expected)")
                    if output == expected { matched += 1 }
                } else {
                    Issue.record("\(label): jinja2 raised '\(item.error ?? "")' but we rendered:\n\(output)")
                }
            } catch {
                guard let expectedError = item.error else {
                    Issue.record("\(label): we raised '\(error)' but jinja2 rendered")
                    continue
                }
                if item.raised == true {
                    #expect(error == .raised(expectedError), "\(label)")
                }
                matched += 1
            }
        }
        print("chat templates: \(matched) of \(reference.cases.count) renders agree with jinja2")
    }
}
