import Foundation
import Prometheus

/// The server's metrics in Prometheus' text format (`GET /metrics`). One registry per
/// application, not a global one: tests build many applications in one process.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let activeSequences: Gauge
    let queuedRequests: Gauge

    static let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                             .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]

    public init() {
        activeSequences = registry.makeGauge(name: "cyxwiz_active_sequences", help: "Sequences being generated now.")
        queuedRequests = registry.makeGauge(name: "cyxwiz_queued_requests", help: "Generation requests waiting for their model.")
    }

    func request(path: String, status: Int) {
        registry.makeCounter(name: "cyxwiz_http_requests_total", labels: [("path", path), ("status", String(status))], help: "HTTP requests by route and status.")
            .increment()
    }

    func tokens(model: String, prompt: Int, completion: Int) {
        registry.makeCounter(name: "cyxwiz_prompt_tokens_total", labels: [("model", model)], help: "Prompt tokens read.").increment(by: Int64(prompt))
        registry.makeCounter(name: "cyxwiz_completion_tokens_total", labels: [("model", model)], help: "Tokens generated.").increment(by: Int64(completion))
    }

    func timeToFirstToken(model: String, _ duration: Duration) {
        registry.makeDurationHistogram(name: "cyxwiz_time_to_first_token_seconds", labels: [("model", model)], buckets: Self.latencyBuckets,
                                       help: "Time from request to the first generated token.").record(duration)
    }

    func interTokenLatency(model: String, _ duration: Duration) {
        registry.makeDurationHistogram(name: "cyxwiz_inter_token_latency_seconds", labels: [("model", model)], buckets: Self.latencyBuckets,
                                       help: "Time between generated tokens.").record(duration)
    }

    public func render() -> String { registry.emitToString() }
}

/// Times the tokens of one request: the first against the request's start, each later one
/// against the one before.
struct TokenClock {
    let metrics: ServerMetrics
    let model: String
    let start: ContinuousClock.Instant
    private var last: ContinuousClock.Instant?

    init(metrics: ServerMetrics, model: String, start: ContinuousClock.Instant) {
        self.metrics = metrics
        self.model = model
        self.start = start
    }

    mutating func tick() {
        let now = ContinuousClock.now
        if let last {
            metrics.interTokenLatency(model: model, now - last)
        } else {
            metrics.timeToFirstToken(model: model, now - start)
        }
        last = now
    }
}
