import Foundation
import NodeInference

/// The loaded models of a configuration, by id. Loading happens once, before the server
/// listens; a model that cannot load stops start-up with an error naming it.
public struct ModelHost: Sendable {
    public var embedders: [String: any TextEmbedder]

    public init(embedders: [String: any TextEmbedder] = [:]) {
        self.embedders = embedders
    }

    /// Loads every model of the configuration that an implemented endpoint serves.
    public static func load(_ configuration: ServerConfiguration) throws(ModelLoadError) -> ModelHost {
        var host = ModelHost()
        for settings in configuration.models where settings.kind == .embedding {
            do {
                guard ModelRegistry.isFolder(settings.path) else {
                    throw ModelError.invalidConfiguration("an embedding model is a sentence-transformers folder, not a file")
                }
                let model = try EmbeddingModel(folder: settings.path)
                if let dimensions = settings.dimensions, dimensions > model.dimensions {
                    throw ModelError.invalidConfiguration("dimensions = \(dimensions) but the model's vectors have \(model.dimensions)")
                }
                host.embedders[settings.id] = EmbeddingWorker(model: model, label: settings.id)
            } catch {
                throw ModelLoadError(modelID: settings.id, path: settings.path, reason: "\(error)")
            }
        }
        return host
    }
}

/// A configured model that could not be loaded.
public struct ModelLoadError: Error, CustomStringConvertible, Sendable {
    public var modelID: String
    public var path: String
    public var reason: String

    public var description: String { "api.models.\(modelID): cannot load '\(path)': \(reason)" }
}
