import CyxwizAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NodeInference
import Testing

@Suite("Rate limits, CORS, body limit, health")
struct ProductionHTTPTests {
    let base: ServerConfiguration

    init() throws {
        base = try ScratchFolder().parse(minimalConfiguration.replacingOccurrences(of: "dimensions = 384", with: ""))
    }

    func app(_ configuration: ServerConfiguration) -> some ApplicationProtocol {
        Application(router: buildRouter(configuration: configuration, host: ModelHost(embedders: ["embed": FakeEmbedder()])))
    }

    static let key: HTTPFields = [.authorization: "Bearer file-key"]

    @Test func limiterFormatsDurationsAsOpenAIDoes() {
        #expect(RateLimiter.format(0.02) == "20ms")
        #expect(RateLimiter.format(1) == "1s")
        #expect(RateLimiter.format(59.5) == "59.5s")
        #expect(RateLimiter.format(360) == "6m0s")
        #expect(RateLimiter.format(61.25) == "1m1.25s")
    }

    @Test func burstOfNPlusOneConcurrentRequestsGetsExactlyOne429() async throws {
        let limiter = RateLimiter(limits: .init(requestsPerMinute: 50, tokensPerMinute: 0))
        let refused = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<51 {
                group.addTask {
                    do { try limiter.admit("key-1"); return false } catch { return true }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(refused == 1)
        #expect(limiter.status("key-1").remainingRequests == 0)
        #expect(limiter.status("key-2").remainingRequests == 50)  // per caller
    }

    @Test func theLineRefusesPastItsCapacityAndTicketsGiveTheirPlaceBack() {
        let line = AdmissionLine(capacity: 2)
        var first = line.enter()
        let second = line.enter()
        #expect(first != nil && second != nil)
        #expect(line.enter() == nil)
        second?.release()
        second?.release()  // twice is once
        #expect(line.occupied == 1)
        let third = line.enter()
        #expect(third != nil && line.occupied == 2)
        first = nil  // a dropped ticket gives its place back too
        #expect(line.occupied == 1)
        _ = first
    }

    @Test func tokensAreChargedUpFrontAndRefunded() throws {
        var now = 1000.0
        let clock = LockedClock()
        clock.now = now
        let limiter = RateLimiter(limits: .init(requestsPerMinute: 0, tokensPerMinute: 100), clock: { clock.now })
        let first = try limiter.reserve("k", tokens: 80)
        #expect(throws: RateLimiter.Refusal.tokens(retryAfter: 60, requested: 30, limit: 100)) { try limiter.reserve("k", tokens: 30) }
        limiter.settle(first, used: 20)  // 60 refunded
        #expect(limiter.status("k").remainingTokens == 80)
        _ = try limiter.reserve("k", tokens: 70)
        now += 61
        clock.now = now
        #expect(limiter.status("k").remainingTokens == 100)  // the window rolled
        #expect(throws: RateLimiter.Refusal.self) { try limiter.reserve("k", tokens: 101) }
    }

    @Test func headersCountDownAnd429HasRetryAfter() async throws {
        var configuration = base
        configuration.api.maxRequestsPerMinute = 3
        configuration.api.maxTokensPerMinute = 1000
        try await app(configuration).test(.router) { client in
            for remaining in [2, 1, 0] {
                try await client.execute(uri: "/v1/models", method: .get, headers: Self.key) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[HTTPField.Name("x-ratelimit-limit-requests")!] == "3")
                    #expect(response.headers[HTTPField.Name("x-ratelimit-remaining-requests")!] == String(remaining))
                    #expect(response.headers[HTTPField.Name("x-ratelimit-limit-tokens")!] == "1000")
                    #expect(response.headers[HTTPField.Name("x-ratelimit-reset-requests")!]?.hasSuffix("s") == true)
                }
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: Self.key) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter].flatMap { Int($0) }.map { (1...60).contains($0) } == true)
                let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(buffer: response.body)).error
                #expect(error.code == "rate_limit_exceeded")
                #expect(error.type == "requests")
            }
            // Health is never limited.
            try await client.execute(uri: "/health", method: .get) { response in #expect(response.status == .ok) }
        }
    }

    @Test func namedKeysHaveTheirOwnLimitsAndNames() async throws {
        var configuration = base
        configuration.api.maxRequestsPerMinute = 100
        configuration.api.namedKeys = [NamedKey(name: "tiny", key: "tiny-key", maxRequestsPerMinute: 1)]
        try await app(configuration).test(.router) { client in
            let tiny: HTTPFields = [.authorization: "Bearer tiny-key"]
            try await client.execute(uri: "/v1/models", method: .get, headers: tiny) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("x-ratelimit-limit-requests")!] == "1")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: tiny) { response in
                #expect(response.status == .tooManyRequests)
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: Self.key) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("x-ratelimit-limit-requests")!] == "100")
            }
        }
    }

    @Test func corsPreflightAndHeaders() async throws {
        var configuration = base
        configuration.api.corsEnabled = true
        configuration.api.corsOrigins = ["https://app.example"]
        try await app(configuration).test(.router) { client in
            let preflight: HTTPFields = [.origin: "https://app.example", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type"]
            try await client.execute(uri: "/v1/chat/completions", method: .options, headers: preflight) { response in
                #expect(response.status == .noContent)  // answered without a key
                #expect(response.headers[.accessControlAllowOrigin] == "https://app.example")
                #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(response.headers[.accessControlMaxAge] == "600")
            }
            var other = preflight
            other[.origin] = "https://evil.example"
            try await client.execute(uri: "/v1/chat/completions", method: .options, headers: other) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            var get = Self.key
            get[.origin] = "https://app.example"
            try await client.execute(uri: "/v1/models", method: .get, headers: get) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "https://app.example")
            }
            get[.origin] = "https://evil.example"
            try await client.execute(uri: "/v1/models", method: .get, headers: get) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
        configuration.api.corsOrigins = ["*"]
        try await app(configuration).test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .options, headers: [.origin: "https://any.example", .accessControlRequestMethod: "GET"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test func bodiesOverTheLimitAre413InOpenAIShape() async throws {
        var configuration = base
        configuration.api.maxBodyBytes = 2048
        try await app(configuration).test(.router) { client in
            let big = #"{"model":"embed","input":""# + String(repeating: "x", count: 4096) + #""}"#
            try await client.execute(uri: "/v1/embeddings", method: .post, headers: Self.key, body: ByteBuffer(string: big)) { response in
                #expect(response.status == .contentTooLarge)
                let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(buffer: response.body)).error
                #expect(error.code == "request_too_large")
            }
        }
    }

    @Test func metricsArePrometheusTextBehindTheKey() async throws {
        try await app(base).test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get, headers: Self.key) { _ in }
            try await client.execute(uri: "/v1/nothing", method: .get, headers: Self.key) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: Self.key) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"cyxwiz_http_requests_total{path="/v1/models",status="200"} 1"#))
                #expect(text.contains(#"cyxwiz_http_requests_total{path="NotFound",status="404"} 1"#))
                #expect(text.contains("cyxwiz_active_sequences 0"))
                #expect(text.contains("cyxwiz_queued_requests 0"))
            }
        }
    }

    @Test func healthReportsEachModel() async throws {
        try await app(base).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains(#""embed":"ready""#))
                #expect(body.contains(#""chat":"not loaded""#))
            }
        }
    }
}

final class LockedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0.0
    var now: Double {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
