import Foundation
import NodeInference
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
        activeSequences = registry.makeGauge(descriptor: Self.name("active_sequences", help: "Sequences being generated now."))
        queuedRequests = registry.makeGauge(descriptor: Self.name("queued_requests", help: "Generation requests waiting for their model."))
    }

    func request(path: String, status: Int) {
        registry.makeCounter(descriptor: Self.name("http_requests", unit: "total", help: "HTTP requests by route and status."), labels: [("path", path), ("status", String(status))])
            .increment()
    }

    func tokens(model: String, prompt: Int, completion: Int) {
        registry.makeCounter(descriptor: Self.name("prompt_tokens", unit: "total", help: "Prompt tokens read."), labels: [("model", model)]).increment(by: Int64(prompt))
        registry.makeCounter(descriptor: Self.name("completion_tokens", unit: "total", help: "Tokens generated."), labels: [("model", model)]).increment(by: Int64(completion))
    }

    func timeToFirstToken(model: String, _ duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.name("time_to_first_token", unit: "seconds", help: "Time from request to the first generated token."),
            labels: [("model", model)], buckets: Self.latencyBuckets).record(duration)
    }

    func interTokenLatency(model: String, _ duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.name("inter_token_latency", unit: "seconds", help: "Time between generated tokens."),
            labels: [("model", model)], buckets: Self.latencyBuckets).record(duration)
    }

    /// KV cache held by a model's running generations (set when metrics are read).
    func kvCache(model: String, usage: KVCacheUsage) {
        registry.makeGauge(descriptor: Self.name("kv_cache", unit: "bytes", help: "Bytes of KV cache held by running generations and the prefix cache."), labels: [("model", model)])
            .set(Int64(usage.allocatedBytes))
        registry.makeGauge(descriptor: Self.name("kv_cache_positions", help: "Token positions the held KV cache has room for."), labels: [("model", model)])
            .set(Int64(usage.allocatedPositions))
    }

    public func render() -> String { registry.emitToString() }

    /// `cyxwiz_<name>_<unit>`.
    static func name(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "cyxwiz", metricName: name, unitName: unit, helpText: help)
    }
}

/// Times the tokens of one request: the first against the request's start, each later one
/// against the one before.
/// The first also goes to the request's log line.
struct TokenClock {
    let metrics: ServerMetrics
    let model: String
    let start: ContinuousClock.Instant
    let record: RequestRecord?
    private var last: ContinuousClock.Instant?

    init(metrics: ServerMetrics, model: String, start: ContinuousClock.Instant, record: RequestRecord? = nil) {
        self.metrics = metrics
        self.model = model
        self.start = start
        self.record = record
    }

    mutating func tick() {
        let now = ContinuousClock.now
        if let last {
            metrics.interTokenLatency(model: model, now - last)
        } else {
            metrics.timeToFirstToken(model: model, now - start)
            record?["ttft_ms"] = Self.milliseconds(now - start)
        }
        last = now
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}
