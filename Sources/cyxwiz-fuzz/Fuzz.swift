import CyxwizAPI
import Foundation
import NodeInference

/// The parsers that read untrusted bytes, each a fuzzing target. Every input must end in a
/// success or a thrown error: a trap, a hang or unbounded memory is what the fuzzer finds.
enum FuzzTarget: String, CaseIterable {
    /// A GGUF file; one that parses is also read as a tokenizer.
    case gguf
    /// A safetensors file (header and tensor table).
    case safetensors
    /// `tokenizer.json` of a Hugging Face folder; one that loads also encodes and decodes.
    case tokenizer
    /// `config.json` of a Hugging Face folder.
    case configJSON = "config-json"
    /// A chat template, compiled and rendered over a conversation.
    case template
    /// A request body, decoded as each endpoint's request.
    case request
    /// `config.toml` (model paths relative to the working directory, as `serve` reads them).
    case toml
}

/// Runs one target over inputs. Files go to a scratch folder of this process (the readers
/// map files; the Hugging Face targets need the rest of a folder beside the fuzzed file).
struct Harness {
    let target: FuzzTarget
    let scratch: URL

    // No system message: some templates (Gemma's) refuse one, and a render that raises stops
    // early, which leaves the rest of the template unexplored.
    static let conversation = #"{"messages": [{"role": "user", "content": "{{ 7*7 }}"}, {"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Again"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"}"#

    /// `folder`: a Hugging Face folder whose `tokenizer.json`, `tokenizer_config.json` and
    /// `config.json` surround the fuzzed one (the tokenizer and config-json targets).
    init(target: FuzzTarget, folder: String?) throws {
        self.target = target
        scratch = Self.scratchFolder()
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Harness.scratchFolder()) }
        if target == .tokenizer || target == .configJSON {
            guard let folder else { throw HarnessError("the \(target.rawValue) target needs CYXWIZ_FUZZ_FOLDER (a Hugging Face folder, e.g. .cache/fixtures/tiny-llama)") }
            for file in ["tokenizer.json", "tokenizer_config.json", "config.json"] {
                let destination = scratch.appendingPathComponent(file)
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.copyItem(at: URL(fileURLWithPath: folder).appendingPathComponent(file), to: destination)
            }
        }
    }

    /// Where this process writes the files it parses; removed when the process exits.
    static func scratchFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("cyxwiz-fuzz-\(getpid())")
    }

    /// Whether the input parsed (true) or was refused with an error (false).
    @discardableResult
    func run(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let data = Data(bytes)
        do {
            switch target {
            case .gguf:
                let path = try write(data, "input.gguf")
                _ = try GGUFFile(path: path)
                let tokenizer = try ModelRegistry.loadTokenizer(path: path)
                _ = tokenizer.decode(tokenizer.encode("Hello wörld <s> 123", parseSpecial: true, addSpecial: true))
            case .safetensors:
                _ = try SafetensorsFile(path: try write(data, "input.safetensors"))
            case .tokenizer:
                _ = try write(data, "tokenizer.json")
                let tokenizer = try ModelRegistry.loadTokenizer(path: scratch.path)
                _ = tokenizer.decode(tokenizer.encode("Hello wörld <s> 123", parseSpecial: true, addSpecial: true))
            case .configJSON:
                _ = try write(data, "config.json")
                _ = try HFModelConfig.load(folder: scratch.path)
            case .template:
                _ = try ChatTemplate(source: String(decoding: data, as: UTF8.self)).render(json: Self.conversation)
            case .request:
                var parsed = false
                if (try? WireFormat.decode(ChatCompletionRequest.self, from: data)) != nil { parsed = true }
                if (try? WireFormat.decode(CompletionRequest.self, from: data)) != nil { parsed = true }
                if (try? WireFormat.decode(EmbeddingRequest.self, from: data)) != nil { parsed = true }
                return parsed
            case .toml:
                _ = try ServerConfiguration.parse(
                    String(decoding: data, as: UTF8.self), baseDirectory: FileManager.default.currentDirectoryPath)
            }
            return true
        } catch {
            return false
        }
    }

    private func write(_ data: Data, _ name: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Harness {
    /// The harness the environment asks for: `CYXWIZ_FUZZ_TARGET` and `CYXWIZ_FUZZ_FOLDER`.
    static func fromEnvironment() throws -> Harness {
        let environment = ProcessInfo.processInfo.environment
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = environment["CYXWIZ_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
            throw HarnessError("set CYXWIZ_FUZZ_TARGET to one of: \(names)")
        }
        return try Harness(target: target, folder: environment["CYXWIZ_FUZZ_FOLDER"])
    }
}

#if FUZZING
// libFuzzer's entry point (built with -sanitize=fuzzer; `make fuzz`, Docs/Testing.md).
nonisolated(unsafe) private var harness: Harness?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if harness == nil {
        do {
            harness = try Harness.fromEnvironment()
        } catch {
            FileHandle.standardError.write(Data("cyxwiz-fuzz: \(error)\n".utf8))
            exit(2)
        }
    }
    harness?.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

// SwiftPM links an executable's entry point as `<module>_main` (and aliases `main` to it), so
// the harness provides that and hands over to libFuzzer's driver.
@_cdecl("cyxwiz_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
/// Without the fuzzer: replays inputs (files, or every file of folders) through a target —
/// a crash a fuzzing run saved, or a corpus (`make test` replays the seeds).
@main
struct Replay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: cyxwiz-fuzz <\(names)> FILE|FOLDER... (CYXWIZ_FUZZ_FOLDER for tokenizer, config-json)\n".utf8))
            exit(2)
        }
        do {
            let harness = try Harness(target: target, folder: ProcessInfo.processInfo.environment["CYXWIZ_FUZZ_FOLDER"])
            var parsed = 0
            var refused = 0
            for path in arguments.dropFirst() {
                for file in files(path) {
                    guard let data = FileManager.default.contents(atPath: file) else { throw HarnessError("cannot read \(file)") }
                    let ok = data.withUnsafeBytes { harness.run($0) }
                    if ok { parsed += 1 } else { refused += 1 }
                }
            }
            print("\(target.rawValue): \(parsed + refused) inputs, \(parsed) parsed, \(refused) refused")
        } catch {
            FileHandle.standardError.write(Data("cyxwiz-fuzz: \(error)\n".utf8))
            exit(2)
        }
    }

    static func files(_ path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { (path as NSString).appendingPathComponent($0) }
    }
}
#endif
