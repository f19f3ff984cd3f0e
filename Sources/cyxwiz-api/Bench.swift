import ArgumentParser
import Foundation
import NodeInference

/// Prefill and decode speed, measured as llama.cpp's llama-bench measures `pp` and `tg`, so the
/// two can be compared on the same file: `pp` runs a prompt of random tokens through an empty
/// context; `tg` generates tokens one at a time from an empty context.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prefill (pp) and decode (tg) tokens per second of a model."
    )

    @Option(name: .long, help: "A GGUF model file, or a Hugging Face model folder.")
    var model: String

    @Option(name: .long, help: "Prompt tokens per prefill measurement (0 skips it).")
    var promptTokens: Int = 512

    @Option(name: .long, help: "Tokens per decode measurement (0 skips it).")
    var genTokens: Int = 128

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "How decoding products compute: q8 (8-bit activations, as llama.cpp) or f32.")
    var precision: MatmulPrecision = .quantizedActivations

    @Option(name: .customLong("kv-cache"), help: "How the KV cache stores keys and values: f16 or f32 (default: f16 with q8, f32 with f32).")
    var kvCache: KVCacheType?

    @Option(name: .long, help: "Measurements of each, after one warm-up run.")
    var repetitions: Int = 5

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard promptTokens >= 0, genTokens >= 0, promptTokens + genTokens > 0 else {
            throw ValidationError("--prompt-tokens and --gen-tokens must not be negative, and not both 0")
        }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    struct Figure: Encodable {
        var test: String
        var tokens: Int
        var medianTokensPerSecond: Double
        var meanTokensPerSecond: Double
        var standardDeviation: Double
        var minimum: Double
        var maximum: Double
        var samples: [Double]
    }

    struct Report: Encodable {
        var model: String
        var threads: Int
        var repetitions: Int
        var loadAverageBefore: [Double]
        var loadAverageAfter: [Double]
        var results: [Figure]
    }

    @Option(name: .long, help: "Also measure decoding of this many sequences together, comma-separated (e.g. 4,8,16): tgN-bK.")
    var parallel: String = ""

    @Option(name: .long, help: "Embedding models: sentences per batch.")
    var batch: Int = 32

    @Option(name: .long, help: "Embedding models: words per sentence.")
    var words: Int = 16

    func run() throws {
        if FileManager.default.fileExists(atPath: (model as NSString).appendingPathComponent("modules.json")) {
            try runEmbeddings()
            return
        }
        let languageModel = try loadLanguageModel(model, threads: threads, precision: precision, kvCache: kvCache)
        let loadBefore = Self.loadAverage()
        var results: [Figure] = []
        do {
            if promptTokens > 0 {
                results.append(try measure("pp\(promptTokens)", tokens: promptTokens) { try languageModel.benchmarkPrefill(tokens: promptTokens) })
            }
            if genTokens > 0 {
                results.append(try measure("tg\(genTokens)", tokens: genTokens) { try languageModel.benchmarkDecode(tokens: genTokens) })
                for field in parallel.split(separator: ",") {
                    guard let sequences = Int(field.trimmingCharacters(in: .whitespaces)), sequences >= 1, sequences <= 256 else {
                        throw ValidationError("--parallel takes sequence counts from 1 to 256, comma-separated")
                    }
                    results.append(try measure("tg\(genTokens)-b\(sequences)", tokens: genTokens * sequences) {
                        try languageModel.benchmarkBatchDecode(sequences: sequences, tokens: genTokens)
                    })
                }
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let report = Report(
            model: model, threads: languageModel.threads, repetitions: repetitions,
            loadAverageBefore: loadBefore, loadAverageAfter: Self.loadAverage(), results: results)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("model: \(model)  threads: \(report.threads)  repetitions: \(repetitions)")
            print("load average before: \(loadBefore.map { String(format: "%.2f", $0) }.joined(separator: " "))")
            print("test     median t/s   mean ± sd           min      max")
            for figure in results {
                print(
                    String(
                        format: "%-8@ %10.1f   %8.1f ± %-8.1f %8.1f %8.1f", figure.test as NSString, figure.medianTokensPerSecond,
                        figure.meanTokensPerSecond, figure.standardDeviation, figure.minimum, figure.maximum))
            }
            print("load average after: \(report.loadAverageAfter.map { String(format: "%.2f", $0) }.joined(separator: " "))")
        }
    }

    /// Sentence embeddings: sentences per second in batches, and the latency of one sentence.
    func runEmbeddings() throws {
        guard batch >= 1, words >= 1 else { throw ValidationError("--batch and --words must be at least 1") }
        let embedder: EmbeddingModel
        do {
            embedder = try EmbeddingModel(folder: model, threads: threads)
        } catch {
            FileHandle.standardError.write(Data("error: \(model): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let vocabulary = ["model", "node", "server", "token", "vector", "search", "the", "a", "quick", "brown", "fox", "river",
                          "mountain", "city", "music", "question", "answer", "light", "green", "runs"]
        var state: UInt64 = 7
        let sentences: [EmbeddingModel.Input] = (0..<batch).map { _ in
            .text((0..<words).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return vocabulary[Int(state >> 33) % vocabulary.count]
            }.joined(separator: " "))
        }
        let loadBefore = Self.loadAverage()
        var results: [Figure] = []
        do {
            results.append(try measure("embed-batch\(batch)", tokens: batch) {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try embedder.embed(sentences)
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            })
            results.append(try measure("embed-single", tokens: 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try embedder.embed([sentences[0]])
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            })
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let report = Report(model: model, threads: embedder.threads, repetitions: repetitions, loadAverageBefore: loadBefore,
                            loadAverageAfter: Self.loadAverage(), results: results)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("model: \(model)  threads: \(report.threads)  repetitions: \(repetitions)  (figures in sentences/s)")
            for figure in results {
                print(String(format: "%-14@ median %8.1f/s  mean %8.1f ± %-6.1f  (%.2f ms per call)", figure.test as NSString,
                             figure.medianTokensPerSecond, figure.meanTokensPerSecond, figure.standardDeviation,
                             1000 * Double(figure.tokens) / figure.medianTokensPerSecond))
            }
            print("load average before: \(loadBefore.map { String(format: "%.2f", $0) }.joined(separator: " ")), after: \(report.loadAverageAfter.map { String(format: "%.2f", $0) }.joined(separator: " "))")
        }
    }

    private func measure(_ name: String, tokens: Int, _ body: () throws -> Double) throws -> Figure {
        _ = try body()  // warm-up: page in the weights
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let seconds = try body()
            samples.append(Double(tokens) / seconds)
        }
        let sorted = samples.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, samples.count - 1))
        return Figure(
            test: name, tokens: tokens, medianTokensPerSecond: median, meanTokensPerSecond: mean,
            standardDeviation: variance.squareRoot(), minimum: sorted.first ?? 0, maximum: sorted.last ?? 0, samples: samples)
    }

    static func loadAverage() -> [Double] {
        var values = [Double](repeating: 0, count: 3)
        return getloadavg(&values, 3) == 3 ? values : []
    }
}
