import Foundation
import Hummingbird
import NodeInference

/// `GET /v1/models` and `GET /v1/models/{id}`, from the configured models.
struct ModelsController {
    let models: [Model]

    init(configuration: ServerConfiguration, fileManager: FileManager = .default) {
        self.models = configuration.models.map { settings in
            // `created` is the model file's modification time: stable across restarts, and it
            // changes when the file is replaced by a new fine-tune.
            let modified = (try? fileManager.attributesOfItem(atPath: settings.path)[.modificationDate]) as? Date
            return Model(id: settings.id, created: Int(modified?.timeIntervalSince1970 ?? 0), ownedBy: "cyxwiz-node")
        }
    }

    var endpoints: [Endpoint] {
        let models = self.models
        return [
            .get("/v1/models") { _, _ in
                Response.json(ModelList(data: models))
            },
            .get("/v1/models/{id}") { _, context in
                let raw = try context.parameters.require("id")
                let id = raw.removingPercentEncoding ?? raw
                guard let model = models.first(where: { $0.id == id }) else { throw APIError.modelNotFound(id) }
                return Response.json(model)
            },
        ]
    }
}
