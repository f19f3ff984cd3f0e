import ArgumentParser
import Foundation
import NodeInference

struct Template: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a chat template, exactly as the server would, for debugging prompts.",
        discussion: """
            The input is a JSON object with "messages", "tools" (or null), "add_generation_prompt", \
            "bos_token", "eos_token" and optionally "now" (an ISO 8601 date-time fixing the clock that \
            strftime_now reads). The render is printed exactly, nothing added; a template error goes \
            to standard error with exit status 1.
            """
    )

    @Option(name: .long, help: "The template file (.jinja).")
    var template: String

    @Option(name: .long, help: "The input JSON file ('-' for standard input).")
    var input: String

    func run() throws {
        do {
            guard let data = FileManager.default.contents(atPath: template), let source = String(data: data, encoding: .utf8) else {
                throw TemplateError.runtime("cannot read the template file '\(template)'")
            }
            let inputData = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: input)
            guard let inputData, let json = String(data: inputData, encoding: .utf8) else {
                throw TemplateError.runtime("cannot read the input file '\(input)'")
            }
            let rendered = try ChatTemplate(source: source).render(json: json)
            FileHandle.standardOutput.write(Data(rendered.utf8))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
