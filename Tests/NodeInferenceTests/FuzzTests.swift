import Foundation
import NodeInference
import Testing

/// Deterministic fuzzing of every parser that reads untrusted bytes: thousands of mutated,
/// truncated and random inputs per parser (fixed seeds, so a failure reproduces), each of which
/// must end in a typed error or a success — never a trap (which would end the test process), a
/// hang (the time limit) or runaway memory. The longer, coverage-guided harness is in
/// Docs/Testing.md.
@Suite("Fuzzing the parsers", .serialized, .timeLimit(.minutes(3)))
struct FuzzTests {
    /// Mutations of a seed input, as a fuzzer makes them: bit flips, byte overwrites with
    /// boundary values, insertions, deletions, duplicated or truncated runs, random bytes.
    struct Mutator {
        var generator: SplitMix
        init(seed: UInt64) { generator = SplitMix(seed: seed) }

        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(generator.next() % UInt64(n)) }

        static let interesting: [[UInt8]] = [
            [0x00], [0xFF], [0x7F], [0x80], [0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0x7F], [0x00, 0x00, 0x00, 0x80],
            Array("9999999999999999999999".utf8), Array("-1".utf8), Array("1e308".utf8), Array("NaN".utf8), Array("\"".utf8),
            Array("{".utf8), Array("[".utf8), Array("}".utf8), Array("{{".utf8), Array("{%".utf8), Array("\\u0000".utf8),
            [0xC3], [0xED, 0xA0, 0x80], Array(repeating: UInt8(ascii: "["), count: 64),
        ]

        mutating func mutate(_ seed: [UInt8]) -> [UInt8] {
            var bytes = seed
            for _ in 0...below(3) {
                switch below(8) {
                case 0 where !bytes.isEmpty:  // flip a bit
                    let i = below(bytes.count)
                    bytes[i] ^= 1 << UInt8(below(8))
                case 1 where !bytes.isEmpty:  // overwrite with a boundary value
                    let value = Self.interesting[below(Self.interesting.count)]
                    let i = below(bytes.count)
                    for (k, byte) in value.enumerated() where i + k < bytes.count { bytes[i + k] = byte }
                case 2:  // insert a boundary value
                    bytes.insert(contentsOf: Self.interesting[below(Self.interesting.count)], at: below(bytes.count + 1))
                case 3 where !bytes.isEmpty:  // delete a run
                    let i = below(bytes.count)
                    bytes.removeSubrange(i..<min(bytes.count, i + 1 + below(16)))
                case 4 where !bytes.isEmpty:  // duplicate a run
                    let i = below(bytes.count)
                    let run = bytes[i..<min(bytes.count, i + 1 + below(64))]
                    bytes.insert(contentsOf: run, at: below(bytes.count + 1))
                case 5:  // truncate
                    bytes = Array(bytes.prefix(below(bytes.count + 1)))
                case 6 where !bytes.isEmpty:  // a random byte
                    bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: generator.next())
                default:  // random bytes spliced in
                    let count = 1 + below(8)
                    let random = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                    bytes.insert(contentsOf: random, at: below(bytes.count + 1))
                }
            }
            return bytes
        }

        /// `count` inputs: the seed's truncations at a stride, then mutations, then pure noise.
        mutating func cases(of seed: [UInt8], count: Int) -> [[UInt8]] {
            var result: [[UInt8]] = []
            let stride = max(1, seed.count / max(1, count / 10))
            for length in Swift.stride(from: 0, to: seed.count, by: stride) { result.append(Array(seed.prefix(length))) }
            while result.count < count - count / 20 { result.append(mutate(seed)) }
            while result.count < count { result.append((0..<below(512)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }) }
            return result
        }
    }

    static func scratch() throws -> URL {
        let folder = TestFiles.url("fuzz")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// What a case ended in, for the summary line (a run where everything failed, or everything
    /// passed, would mean the fuzzer never reached the parser's interesting paths).
    struct Tally: CustomStringConvertible {
        var parsed = 0, refused = 0
        var description: String { "\(parsed) parsed, \(refused) refused" }
    }

    @Test func ggufFiles() throws {
        var builder = GGUFBuilder()
        builder.string("general.architecture", "llama")
        builder.uint32("llama.block_count", 2)
        builder.float32("llama.rope.freq_base", 10000)
        builder.bool("tokenizer.ggml.add_bos_token", true)
        builder.strings("tokenizer.ggml.tokens", ["a", "b", "ü", "<|im_start|>"])
        builder.f32Tensor("norm.weight", [1, 2, 3, 4])
        builder.f32Tensor("matrix", (0..<8).map(Float.init), dimensions: [4, 2])
        try Self.fuzzFile("GGUF", seed: builder.build(), mutatorSeed: 0x6167, refusal: GGUFError.self) { try GGUFFile(path: $0) }
    }

    @Test func safetensorsHeaders() throws {
        let header = #"{"a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"__metadata__":{"format":"pt"}}"#
        let seed = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8) + [UInt8](repeating: 1, count: 16)
        try Self.fuzzFile("safetensors", seed: seed, mutatorSeed: 0x5AFE, refusal: SafetensorsError.self) { try SafetensorsFile(path: $0) }
    }

    /// 3000 cases of `seed`, each written to a file and read by `parse`: a success, or a
    /// `refusal` error (any other error fails the test).
    static func fuzzFile<Refusal: Error>(
        _ name: String, seed: [UInt8], mutatorSeed: UInt64, refusal: Refusal.Type, parse: (String) throws -> Any
    ) throws {
        var mutator = Mutator(seed: mutatorSeed)
        var tally = Tally()
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("case").path
        for bytes in mutator.cases(of: seed, count: 3000) {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try parse(path)
                tally.parsed += 1
            } catch is Refusal {
                tally.refused += 1
            }
        }
        print("\(name): \(tally)")
        #expect(tally.parsed > 0 && tally.refused > 0)
    }

    /// `tokenizer.json` and `config.json` of a Hugging Face folder (the tiny checkpoint's), each
    /// mutated while the other stays valid.
    @Test(arguments: ["tokenizer.json", "config.json"])
    func huggingFaceFolderFiles(_ name: String) throws {
        let source = URL(fileURLWithPath: RealModel.tiny("tiny-llama").model)
        try RealModel.requireFile(source.appendingPathComponent(name).path, command: "make reference")
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in ["tokenizer.json", "tokenizer_config.json", "config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let seed = Array(try Data(contentsOf: source.appendingPathComponent(name)))
        var mutator = Mutator(seed: name == "config.json" ? 0xC0F1 : 0x70C3)
        var tally = Tally()
        for bytes in mutator.cases(of: seed, count: name == "config.json" ? 3000 : 1500) {
            try Data(bytes).write(to: folder.appendingPathComponent(name))
            do {
                if name == "config.json" {
                    _ = try HFModelConfig.load(folder: folder.path)
                } else {
                    let tokenizer = try ModelRegistry.loadTokenizer(path: folder.path)
                    // A tokenizer that loads must also encode and decode without trapping.
                    _ = tokenizer.decode(tokenizer.encode("Hello wörld <s> 123", parseSpecial: true, addSpecial: true))
                }
                tally.parsed += 1
            } catch {
                tally.refused += 1
            }
        }
        print("\(name): \(tally)")
        #expect(tally.parsed > 0 && tally.refused > 0)
    }

    /// The ten real chat templates, mutated, compiled and rendered over a conversation.
    @Test func chatTemplates() throws {
        let folder = RealModel.root.deletingLastPathComponent().appendingPathComponent("shared/chat-templates")
        let sources = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jinja") }.sorted()
        #expect(sources.count >= 10)
        let conversation = #"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "{{ 7*7 }} {% for x in range(9) %}"}, {"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Again"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"}"#
        var mutator = Mutator(seed: 0x7E47)
        var tally = Tally()
        var injected = 0
        for name in sources {
            let seed = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
            for bytes in mutator.cases(of: seed, count: 300) {
                let text: String
                do {
                    let template = try ChatTemplate(source: String(decoding: bytes, as: UTF8.self))
                    text = try template.render(json: conversation)
                } catch {
                    tally.refused += 1
                    continue
                }
                tally.parsed += 1
                // Message content is data: the injected Jinja is printed, never run.
                if text.contains("Again"), text.contains("49") { injected += 1 }
            }
        }
        print("chat templates: \(tally)")
        #expect(tally.parsed > 0 && tally.refused > 0)
        #expect(injected == 0)
    }

    /// Request bodies of every endpoint, mutated, through the wire decoder.
    @Test func requestJSON() throws {
        let fixtures = RealModel.root.appendingPathComponent("Tests/NodeInferenceTests/Fixtures/openai")
        let requests = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.contains("request") }.sorted()
        #expect(!requests.isEmpty)
        var seeds = try requests.map { Array(try Data(contentsOf: fixtures.appendingPathComponent($0))) }
        seeds.append(Array(#"{"model": "m", "prompt": ["a", "b"], "max_tokens": 5, "logprobs": 2, "echo": true, "stop": ["\n"]}"#.utf8))
        seeds.append(Array(#"{"model": "m", "input": [[1, 2, 3], [4]], "encoding_format": "base64", "dimensions": 8}"#.utf8))
        var mutator = Mutator(seed: 0x4A53)
        var tally = Tally()
        for seed in seeds {
            for bytes in mutator.cases(of: seed, count: 400) {
                let data = Data(bytes)
                var any = false
                if (try? WireFormat.decode(ChatCompletionRequest.self, from: data)) != nil { any = true }
                if (try? WireFormat.decode(CompletionRequest.self, from: data)) != nil { any = true }
                if (try? WireFormat.decode(EmbeddingRequest.self, from: data)) != nil { any = true }
                if any { tally.parsed += 1 } else { tally.refused += 1 }
            }
        }
        print("request JSON: \(tally)")
        #expect(tally.parsed > 0 && tally.refused > 0)
    }
}
