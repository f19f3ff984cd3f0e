import Foundation
import NodeInference

/// Everything `config.toml` configures, decoded and checked.
public struct ServerConfiguration: Sendable, Equatable {
    public var api: APISettings
    /// The served models, ordered by id.
    public var models: [ModelSettings]
    /// The `[runtime]` table: threads and batching.
    public var runtime: RuntimeSettings

    public init(api: APISettings, models: [ModelSettings], runtime: RuntimeSettings = RuntimeSettings()) {
        self.api = api
        self.models = models.sorted { $0.id < $1.id }
        self.runtime = runtime
    }

    public func model(id: String) -> ModelSettings? {
        models.first { $0.id == id }
    }
}

/// The `[runtime]` table: how the models run.
public struct RuntimeSettings: Sendable, Equatable {
    /// Threads of every matrix product (`nil`: every core).
    public var threads: Int?
    /// Batch limits and the prefix cache of each language model.
    public var batch: BatchOptions
    public var precision: MatmulPrecision
    /// How KV caches store keys and values (`nil`: f16 with `q8` precision, f32 with `f32`).
    public var kvCache: KVCacheType?

    public init(
        threads: Int? = nil, batch: BatchOptions = BatchOptions(), precision: MatmulPrecision = .quantizedActivations,
        kvCache: KVCacheType? = nil
    ) {
        self.threads = threads
        self.batch = batch
        self.precision = precision
        self.kvCache = kvCache
    }
}

/// The `[api]` table.
public struct APISettings: Sendable, Equatable {
    /// `false` makes `serve` exit without listening.
    public var enabled: Bool
    public var address: ListenAddress
    /// Accepted bearer keys: `api_key`, `api_keys` and `CYXWIZ_API_KEY` together.
    public var apiKeys: [String]
    /// Named keys from `[api.keys.<name>]`, with optional limits of their own.
    public var namedKeys: [NamedKey] = []
    public var requireAuth: Bool
    /// 0 means no limit.
    public var maxRequestsPerMinute: Int
    /// 0 means no limit.
    public var maxTokensPerMinute: Int
    public var corsEnabled: Bool
    public var corsOrigins: [String]
    /// Most stop strings per request (OpenAI allows 4).
    public var maxStopSequences: Int = 4
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int = 8 << 20
    /// After SIGTERM/SIGINT, how long in-flight requests may finish before generations stop.
    public var shutdownGraceSeconds: Int = 30
    /// Longest a generation request may take, waiting included; `nil` for no limit.
    public var requestTimeoutSeconds: Double? = 600
    /// Seconds a connection may sit without sending a request part (a whole request head, a
    /// body chunk) while nothing is being answered on it; then it is closed. Ends idle
    /// keep-alive connections and clients that send their headers too slowly; `nil`: never.
    public var idleTimeoutSeconds: Double? = 60
    /// Requests that may wait for a busy model; more get 503 with `Retry-After`.
    public var maxQueuedRequests: Int = 64

    public init(
        enabled: Bool = true,
        address: ListenAddress = .init(host: "127.0.0.1", port: 8080),
        apiKeys: [String] = [],
        requireAuth: Bool = false,
        maxRequestsPerMinute: Int = 0,
        maxTokensPerMinute: Int = 0,
        corsEnabled: Bool = false,
        corsOrigins: [String] = []
    ) {
        self.enabled = enabled
        self.address = address
        self.apiKeys = apiKeys
        self.requireAuth = requireAuth
        self.maxRequestsPerMinute = maxRequestsPerMinute
        self.maxTokensPerMinute = maxTokensPerMinute
        self.corsEnabled = corsEnabled
        self.corsOrigins = corsOrigins
    }
}

/// A key with a name (shown in logs instead of the key) and, optionally, its own limits.
public struct NamedKey: Sendable, Equatable {
    public var name: String
    public var key: String
    public var maxRequestsPerMinute: Int?
    public var maxTokensPerMinute: Int?

    public init(name: String, key: String, maxRequestsPerMinute: Int? = nil, maxTokensPerMinute: Int? = nil) {
        self.name = name
        self.key = key
        self.maxRequestsPerMinute = maxRequestsPerMinute
        self.maxTokensPerMinute = maxTokensPerMinute
    }
}

/// What a model is served for; it decides which endpoints accept it.
public enum ModelKind: String, Sendable, Equatable, CaseIterable {
    case chat, completion, embedding
}

/// One `[api.models.<id>]` table.
public struct ModelSettings: Sendable, Equatable {
    /// The name clients put in `model`.
    public var id: String
    /// Absolute path of the model file or folder.
    public var path: String
    public var kind: ModelKind
    /// Overrides the context length of the model's metadata when set.
    public var contextLength: Int?
    /// Temperature used when a request omits it.
    public var defaultTemperature: Double?
    /// Output dimensions of an embedding model.
    public var dimensions: Int?
    /// Embedding models: cut over-long inputs (true, as sentence-transformers does) or refuse
    /// them with a 400 (false, as OpenAI does).
    public var truncateInputs: Bool = true
    /// Chat models: a `.jinja` file replacing the template the model ships.
    public var chatTemplatePath: String?

    public init(
        id: String,
        path: String,
        kind: ModelKind,
        contextLength: Int? = nil,
        defaultTemperature: Double? = nil,
        dimensions: Int? = nil
    ) {
        self.id = id
        self.path = path
        self.kind = kind
        self.contextLength = contextLength
        self.defaultTemperature = defaultTemperature
        self.dimensions = dimensions
    }
}

/// `host:port`, with IPv6 hosts in brackets (`[::1]:8080`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; `nil` when it is not of that form or the port is out of range.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
            guard host.contains(":") else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { return nil }
        }
        let hostAllowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-:_%"))
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ hostAllowed.contains($0) && $0.isASCII }),
            !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5,
            let port = Int(portText), (0...65535).contains(port)
        else { return nil }
        self.host = String(host)
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether only this machine can reach the address.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
