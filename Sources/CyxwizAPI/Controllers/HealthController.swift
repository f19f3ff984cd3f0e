import Hummingbird

/// `GET /health`: open without a key, for load balancers and supervisors.
struct HealthController {
    struct Status: Encodable {
        var status: String
        var models: Int
    }

    let modelCount: Int

    var endpoints: [Endpoint] {
        let status = Status(status: "ok", models: modelCount)
        return [.get("/health") { _, _ in Response.json(status) }]
    }
}
