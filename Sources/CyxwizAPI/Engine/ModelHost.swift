import Foundation
import NodeInference

/// The loaded models of a configuration, by id. Loading happens once, before the server
/// listens; a model that cannot load stops start-up with an error naming it.
public struct ModelHost: Sendable {
    public var embedders: [String: any TextEmbedder]
    public var languageModels: [String: ServedLanguageModel]
    public let metrics: ServerMetrics
    public let shutdown: ShutdownCoordinator

    public init(
        embedders: [String: any TextEmbedder] = [:], languageModels: [String: ServedLanguageModel] = [:],
        metrics: ServerMetrics = ServerMetrics(), shutdown: ShutdownCoordinator = ShutdownCoordinator()
    ) {
        self.embedders = embedders
        self.languageModels = languageModels
        self.metrics = metrics
        self.shutdown = shutdown
    }

    /// Loads every model of the configuration that an implemented endpoint serves.
    public static func load(_ configuration: ServerConfiguration) throws(ModelLoadError) -> ModelHost {
        var host = ModelHost()
        let runtime = configuration.runtime
        if let threads = runtime.threads { WorkerPool.configure(threads: threads) }
        for settings in configuration.models where settings.kind == .embedding {
            do {
                guard ModelRegistry.isFolder(settings.path) else {
                    throw ModelError.invalidConfiguration("an embedding model is a sentence-transformers folder, not a file")
                }
                let model = try EmbeddingModel(folder: settings.path)
                if let dimensions = settings.dimensions, dimensions > model.dimensions {
                    throw ModelError.invalidConfiguration("dimensions = \(dimensions) but the model's vectors have \(model.dimensions)")
                }
                host.embedders[settings.id] = EmbeddingWorker(model: model, label: settings.id, maxQueued: configuration.api.maxQueuedRequests)
            } catch {
                throw ModelLoadError(modelID: settings.id, path: settings.path, reason: "\(error)")
            }
        }
        // Chat and completion models: one loaded model and one worker per file, shared by
        // every id that names it (the weights are mapped once).
        var workers: [String: GenerationWorker] = [:]
        for settings in configuration.models where settings.kind != .embedding {
            do {
                let worker: GenerationWorker
                if let existing = workers[settings.path] {
                    worker = existing
                } else {
                    worker = GenerationWorker(
                        model: try LanguageModel(path: settings.path, precision: runtime.precision, kvCache: runtime.kvCache, batch: runtime.batch), label: settings.id, maxQueued: configuration.api.maxQueuedRequests,
                        metrics: host.metrics, shutdown: host.shutdown)
                    workers[settings.path] = worker
                }
                var template: ChatTemplate?
                if settings.kind == .chat {
                    let source: String?
                    if let override = settings.chatTemplatePath {
                        guard let data = FileManager.default.contents(atPath: override), let text = String(data: data, encoding: .utf8) else {
                            throw ModelError.invalidConfiguration("cannot read chat_template file '\(override)'")
                        }
                        source = text
                    } else {
                        source = try LanguageModel.bundledChatTemplate(path: settings.path)
                    }
                    guard let source else {
                        throw ModelError.invalidConfiguration("the model has no chat template; set chat_template to a .jinja file")
                    }
                    template = try ChatTemplate(source: source)
                }
                let tokenizer = worker.model.tokenizer
                let attributes = try? FileManager.default.attributesOfItem(atPath: settings.path)
                let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
                let fingerprint = "fp_" + String(UInt64(bitPattern: Int64(Self.stableHash("\(settings.path):\(size)"))), radix: 16).prefix(10)
                host.languageModels[settings.id] = ServedLanguageModel(
                    worker: worker, template: template,
                    bosToken: tokenizer.beginningOfSequenceToken.map { tokenizer.piece(of: $0) },
                    eosToken: tokenizer.endOfGenerationTokens.min().map { tokenizer.piece(of: $0) },
                    fingerprint: String(fingerprint))
            } catch {
                throw ModelLoadError(modelID: settings.id, path: settings.path, reason: "\(error)")
            }
        }
        return host
    }

    /// The metrics text, with the gauges that are read rather than pushed brought up to date.
    public func renderMetrics() -> String {
        var seen = Set<ObjectIdentifier>()
        for served in languageModels.values where seen.insert(ObjectIdentifier(served.worker)).inserted {
            metrics.kvCache(model: served.worker.label, usage: served.worker.model.kvCacheUsage)
        }
        return metrics.render()
    }

    /// FNV-1a: the same on every run (Swift's Hasher is seeded per process).
    static func stableHash(_ text: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(bitPattern: UInt(hash))
    }
}

/// A configured model that could not be loaded.
public struct ModelLoadError: Error, CustomStringConvertible, Sendable {
    public var modelID: String
    public var path: String
    public var reason: String

    public var description: String { "api.models.\(modelID): cannot load '\(path)': \(reason)" }
}
