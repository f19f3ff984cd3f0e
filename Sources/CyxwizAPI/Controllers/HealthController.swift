import Hummingbird

/// `GET /health`: open without a key, for load balancers and supervisors. Every configured
/// model is loaded before the server listens, so a model listed here is ready.
struct HealthController {
    struct Status: Encodable {
        var status: String
        var models: [String: String]
    }

    let configuration: ServerConfiguration
    let host: ModelHost

    var endpoints: [Endpoint] {
        var models: [String: String] = [:]
        for settings in configuration.models {
            let loaded = host.embedders[settings.id] != nil || host.languageModels[settings.id] != nil
            models[settings.id] = loaded ? "ready" : "not loaded"
        }
        let status = Status(status: "ok", models: models)
        return [.get("/health") { _, _ in Response.json(status) }]
    }
}
