import ArgumentParser
import Foundation
import NodeInference

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids of a text as one JSON array.",
        discussion: "Reads the text from standard input when TEXT is absent. Special-token text (<|im_start|>) becomes special tokens unless --no-special is given."
    )

    @Option(name: .long, help: "A GGUF model file, or a Hugging Face model folder with tokenizer.json.")
    var model: String

    @Flag(name: .long, help: "Treat special-token text as plain text.")
    var noSpecial = false

    @Argument(help: "The text to tokenize.")
    var text: String?

    func run() throws {
        let input: String
        if let text {
            input = text
        } else {
            input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        let tokenizer = try loadTokenizer(model)
        let ids = tokenizer.encode(input, parseSpecial: !noSpecial, addSpecial: false)
        print("[" + ids.map(String.init).joined(separator: ",") + "]")
    }
}

/// Opens a model file's tokenizer, or exits with one line naming the problem.
func loadTokenizer(_ path: String) throws -> any Tokenizer {
    do {
        return try ModelRegistry.loadTokenizer(path: path)
    } catch {
        FileHandle.standardError.write(Data("error: \(path): \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Loads a language model, or exits with one line naming the problem.
func loadLanguageModel(
    _ path: String, threads: Int?, precision: MatmulPrecision = .quantizedActivations, kvCache: KVCacheType? = nil
) throws -> LanguageModel {
    do {
        return try LanguageModel(path: path, threads: threads, precision: precision, kvCache: kvCache)
    } catch {
        FileHandle.standardError.write(Data("error: \(path): \(error)\n".utf8))
        throw ExitCode(1)
    }
}

extension KVCacheType: ExpressibleByArgument {}

extension MatmulPrecision: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["q8", "f32"] }
    /// The name the option takes (`q8`), not the case's (`quantizedActivations`), in `--help`.
    public var defaultValueDescription: String { name }
}
