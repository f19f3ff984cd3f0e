import Foundation
import NodeInference
import TOMLKit

extension ServerConfiguration {
    /// Reads and checks a `config.toml`. Relative model paths resolve against the file's folder;
    /// `CYXWIZ_API_KEY` in `environment` replaces `api.api_key`.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        fileManager: FileManager = .default
    ) throws(ConfigurationError) -> ServerConfiguration {
        let url = URL(fileURLWithPath: path)
        guard let data = fileManager.contents(atPath: url.path) else {
            throw ConfigurationError(file: path, key: nil, message: "cannot read the file (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, key: nil, message: "the file is not valid UTF-8")
        }
        return try parse(
            text,
            file: path,
            baseDirectory: url.deletingLastPathComponent().path,
            environment: environment,
            fileManager: fileManager
        )
    }

    /// Refuses, with their place, what TOML forbids and what makes the parser under TOMLKit
    /// (toml++) assert — aborting the whole process — instead of reporting an error (found by
    /// fuzzing: a control character in a table name, a table name starting with another
    /// character than a key's, a non-ASCII character starting a key, `}` where an array expects
    /// a value):
    /// control characters other than tab and line breaks anywhere, and non-ASCII characters
    /// outside strings and comments (TOML 1.0 bare keys are ASCII; quoted keys may be anything).
    static func screen(_ text: String, file: String) throws(ConfigurationError) {
        enum Context { case code, comment, basic, literal, multilineBasic, multilineLiteral }
        let scalars = Array(text.unicodeScalars)
        var context = Context.code
        var line = 1, column = 1, index = 0
        // Brackets of array values (as opposed to table headers), and the last character of code.
        var arrayDepth = 0
        var lastSignificant: UInt32?
        func isKeyStart(_ value: UInt32) -> Bool {
            (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) || (0x30...0x39).contains(value)
                || value == 0x5F || value == 0x2D || value == 0x22 || value == 0x27
        }
        func fail(_ message: String) -> ConfigurationError {
            ConfigurationError(file: "\(file):\(line):\(column)", key: nil, message: "not valid TOML: \(message)")
        }
        /// Three of `quote` (`"` or `'`) from `index`.
        func triple(_ quote: UInt32) -> Bool {
            index + 3 <= scalars.count && scalars[index..<(index + 3)].allSatisfy { $0.value == quote }
        }
        while index < scalars.count {
            let scalar = scalars[index], value = scalar.value
            if value == 0x0D, index + 1 < scalars.count, scalars[index + 1].value == 0x0A {
                index += 1
                continue
            }
            guard value == 0x09 || value == 0x0A || (value >= 0x20 && value != 0x7F) else {
                throw fail("control character U+\(String(value, radix: 16, uppercase: true)) (only tab and line breaks are allowed)")
            }
            var step = 1
            switch context {
            case .code:
                if value > 0x7F {
                    throw fail("'\(scalar)' outside a string (bare keys are ASCII letters, digits, '-' and '_'; quote other keys: [api.models.\"café\"])")
                }
                if value == 0x5B {
                    if arrayDepth > 0 || lastSignificant == 0x3D {
                        arrayDepth += 1
                    } else {
                        // A table header: `[` or `[[`, blanks, then a key.
                        var next = index + 1
                        if next < scalars.count, scalars[next].value == 0x5B { next += 1 }
                        while next < scalars.count, scalars[next].value == 0x20 || scalars[next].value == 0x09 { next += 1 }
                        guard next < scalars.count, isKeyStart(scalars[next].value) else {
                            throw fail("a table name must start with a letter, a digit, '-', '_' or a quote")
                        }
                    }
                } else if value == 0x5D, arrayDepth > 0 {
                    arrayDepth -= 1
                } else if value == 0x7D, arrayDepth > 0, lastSignificant == 0x5B || lastSignificant == 0x2C {
                    // `[}` and `[1, }` (toml++ asserts on them).
                    throw fail("expected a value or ']' in an array, found '}'")
                }
                if value != 0x20, value != 0x09, value != 0x0A { lastSignificant = value }
                if triple(0x22) {
                    context = .multilineBasic
                    step = 3
                } else if triple(0x27) {
                    context = .multilineLiteral
                    step = 3
                } else if value == 0x22 {
                    context = .basic
                } else if value == 0x27 {
                    context = .literal
                } else if value == 0x23 {
                    context = .comment
                }
            case .comment:
                if value == 0x0A { context = .code }
            case .basic:
                if value == 0x5C { step = 2 } else if value == 0x22 || value == 0x0A { context = .code }
            case .literal:
                if value == 0x27 || value == 0x0A { context = .code }
            case .multilineBasic:
                if value == 0x5C {
                    step = 2
                } else if triple(0x22) {
                    context = .code
                    step = 3
                }
            case .multilineLiteral:
                if triple(0x27) {
                    context = .code
                    step = 3
                }
            }
            for k in index..<min(scalars.count, index + step) {
                if scalars[k].value == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            index += step
        }
    }

    /// Checks configuration text; `file` only names the source in messages.
    public static func parse(
        _ text: String,
        file: String = "config.toml",
        baseDirectory: String,
        environment: [String: String] = [:],
        fileManager: FileManager = .default
    ) throws(ConfigurationError) -> ServerConfiguration {
        try screen(text, file: file)
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw ConfigurationError(
                file: "\(file):\(position.line):\(position.column)",
                key: nil,
                message: "not valid TOML: \(error.description)"
            )
        } catch {
            throw ConfigurationError(file: file, key: nil, message: "not valid TOML")
        }
        var reader = TableReader(table: root, path: "", file: file)
        let api = try reader.table("api")
        let runtime = try reader.table("runtime")
        try reader.finish()
        guard let api else {
            throw ConfigurationError(file: file, key: "api", message: "missing table [api]")
        }
        var configuration = try readAPI(api, file: file, baseDirectory: baseDirectory, environment: environment, fileManager: fileManager)
        if let runtime { configuration.runtime = try readRuntime(runtime, file: file) }
        return configuration
    }

    private static func readRuntime(_ table: TOMLTable, file: String) throws(ConfigurationError) -> RuntimeSettings {
        var reader = TableReader(table: table, path: "runtime", file: file)
        var settings = RuntimeSettings()
        settings.threads = try reader.int("threads", atLeast: 1)
        if let threads = settings.threads, threads > 256 { throw reader.error("threads", "\(threads) threads is more than any machine this runs on") }
        let defaults = BatchOptions()
        let sequences = try reader.int("max_sequences", atLeast: 1) ?? defaults.maxSequences
        guard sequences <= 256 else { throw reader.error("max_sequences", "at most 256") }
        let prefill = try reader.int("prefill_tokens_per_step", atLeast: 1) ?? defaults.prefillTokensPerStep
        guard prefill <= 4096 else { throw reader.error("prefill_tokens_per_step", "at most 4096") }
        let cache = try reader.int("prefix_cache_mib", atLeast: 0) ?? (defaults.prefixCacheBytes >> 20)
        guard cache <= 1 << 20 else { throw reader.error("prefix_cache_mib", "at most 1048576 (1 TiB)") }
        let kv = try reader.int("kv_cache_mib", atLeast: 1) ?? (defaults.kvCacheBytes >> 20)
        guard kv <= 1 << 20 else { throw reader.error("kv_cache_mib", "at most 1048576 (1 TiB)") }
        settings.batch = BatchOptions(maxSequences: sequences, prefillTokensPerStep: prefill, prefixCacheBytes: cache << 20, kvCacheBytes: kv << 20)
        if let name = try reader.string("precision") {
            guard let precision = MatmulPrecision(name: name) else {
                throw reader.error("precision", "unknown precision '\(name)' (expected q8 or f32)")
            }
            settings.precision = precision
        }
        if let name = try reader.string("kv_cache") {
            guard let type = KVCacheType(rawValue: name) else {
                throw reader.error("kv_cache", "unknown KV cache type '\(name)' (expected f16 or f32)")
            }
            settings.kvCache = type
        }
        try reader.finish()
        return settings
    }

    private static func readAPI(
        _ table: TOMLTable,
        file: String,
        baseDirectory: String,
        environment: [String: String],
        fileManager: FileManager
    ) throws(ConfigurationError) -> ServerConfiguration {
        var reader = TableReader(table: table, path: "api", file: file)
        var settings = APISettings()
        settings.enabled = try reader.bool("enabled") ?? true
        if let text = try reader.string("address") {
            guard let address = ListenAddress(parsing: text) else {
                throw reader.error(
                    "address",
                    "cannot parse '\(text)' as host:port (for example \"127.0.0.1:8080\" or \"[::1]:8080\")"
                )
            }
            settings.address = address
        }
        // `CYXWIZ_API_KEY` replaces the file's `api_key`, so the secret need not live in the file;
        // `api_keys` stay valid beside it.
        var keys: [String] = []
        let fileKey = try reader.string("api_key")
        if let override = environment["CYXWIZ_API_KEY"], !override.isEmpty {
            keys.append(override)
        } else if let fileKey, !fileKey.isEmpty {
            keys.append(fileKey)
        }
        for (index, key) in (try reader.strings("api_keys") ?? []).enumerated() {
            guard !key.isEmpty else { throw reader.error("api_keys[\(index)]", "an API key cannot be empty") }
            keys.append(key)
        }
        settings.apiKeys = keys
        settings.requireAuth = try reader.bool("require_auth") ?? false
        settings.maxRequestsPerMinute = try reader.int("max_requests_per_minute", atLeast: 0) ?? 0
        settings.maxTokensPerMinute = try reader.int("max_tokens_per_minute", atLeast: 0) ?? 0
        settings.corsEnabled = try reader.bool("cors_enabled") ?? false
        settings.corsOrigins = try reader.strings("cors_origins") ?? []
        settings.maxStopSequences = try reader.int("max_stop_sequences", atLeast: 0) ?? 4
        settings.maxBodyBytes = try reader.int("max_body_bytes", atLeast: 1024) ?? (8 << 20)
        settings.shutdownGraceSeconds = try reader.int("shutdown_grace_seconds", atLeast: 0) ?? 30
        if let timeout = try reader.number("request_timeout_seconds") {
            guard timeout >= 0, timeout.isFinite else { throw reader.error("request_timeout_seconds", "must be 0 (no limit) or a positive number of seconds") }
            settings.requestTimeoutSeconds = timeout == 0 ? nil : timeout
        }
        if let timeout = try reader.number("idle_timeout_seconds") {
            guard timeout >= 0, timeout.isFinite else { throw reader.error("idle_timeout_seconds", "must be 0 (never) or a positive number of seconds") }
            settings.idleTimeoutSeconds = timeout == 0 ? nil : timeout
        }
        settings.maxQueuedRequests = try reader.int("max_queued_requests", atLeast: 0) ?? 64
        let modelsTable = try reader.table("models")
        if let keysTable = try reader.table("keys") {
            for name in keysTable.keys.sorted() {
                guard let table = keysTable[name]?.table else {
                    throw ConfigurationError(file: file, key: "api.keys.\(name)", message: "expected a table with a key")
                }
                var keyReader = TableReader(table: table, path: "api.keys.\(name)", file: file)
                var key = try keyReader.string("key")
                if let variable = try keyReader.string("key_env") {
                    key = environment[variable]
                    guard let value = key, !value.isEmpty else {
                        throw keyReader.error("key_env", "the environment variable \(variable) is not set")
                    }
                }
                guard let key, !key.isEmpty else { throw keyReader.error("key", "missing (or give key_env, an environment variable holding it)") }
                let requests = try keyReader.int("max_requests_per_minute", atLeast: 0)
                let tokens = try keyReader.int("max_tokens_per_minute", atLeast: 0)
                try keyReader.finish()
                guard !settings.namedKeys.contains(where: { $0.key == key }) else {
                    throw keyReader.error("key", "the same key is given twice")
                }
                settings.namedKeys.append(NamedKey(name: name, key: key, maxRequestsPerMinute: requests, maxTokensPerMinute: tokens))
            }
        }
        try reader.finish()

        if settings.requireAuth, settings.apiKeys.isEmpty, settings.namedKeys.isEmpty {
            throw ConfigurationError(
                file: file,
                key: "api.require_auth",
                message: "require_auth = true but no key is set (set api.api_key, api.api_keys, [api.keys.<name>] or CYXWIZ_API_KEY)"
            )
        }

        var models: [ModelSettings] = []
        if let modelsTable {
            for id in modelsTable.keys.sorted() {
                let path = "api.models.\(id)"
                guard !id.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigurationError(file: file, key: path, message: "a model id cannot be empty")
                }
                guard let table = modelsTable[id]?.table else {
                    throw ConfigurationError(
                        file: file, key: path, message: "expected a table [\(path)], found \(modelsTable[id]?.type.description ?? "nothing")")
                }
                models.append(
                    try readModel(id: id, table, file: file, baseDirectory: baseDirectory, fileManager: fileManager))
            }
        }
        return ServerConfiguration(api: settings, models: models)
    }

    private static func readModel(
        id: String,
        _ table: TOMLTable,
        file: String,
        baseDirectory: String,
        fileManager: FileManager
    ) throws(ConfigurationError) -> ModelSettings {
        var reader = TableReader(table: table, path: "api.models.\(id)", file: file)
        guard let rawPath = try reader.string("path") else { throw reader.error("path", "missing (the model file or folder)") }
        guard let kindText = try reader.string("type") else {
            throw reader.error("type", "missing (one of chat, completion, embedding)")
        }
        guard let kind = ModelKind(rawValue: kindText) else {
            throw reader.error("type", "unknown model type '\(kindText)' (expected chat, completion or embedding)")
        }
        let contextLength = try reader.int("context_length", atLeast: 1)
        let temperature = try reader.number("default_temperature")
        if let temperature, !(0...2).contains(temperature) {
            throw reader.error("default_temperature", "\(temperature) is outside 0...2")
        }
        let dimensions = try reader.int("dimensions", atLeast: 1)
        if dimensions != nil, kind != .embedding {
            throw reader.error("dimensions", "only applies to models of type embedding")
        }
        let templatePath = try reader.string("chat_template")
        if templatePath != nil, kind != .chat {
            throw reader.error("chat_template", "only applies to models of type chat")
        }
        let truncateInputs = try reader.bool("truncate_inputs")
        if truncateInputs != nil, kind != .embedding {
            throw reader.error("truncate_inputs", "only applies to models of type embedding")
        }
        try reader.finish()

        let resolved = rawPath.hasPrefix("/") ? rawPath : URL(fileURLWithPath: baseDirectory).appendingPathComponent(rawPath).path
        guard fileManager.fileExists(atPath: resolved) else {
            throw reader.error("path", "no file or folder at '\(resolved)' (run `make models` to fetch the shipped models)")
        }
        var settings = ModelSettings(
            id: id,
            path: URL(fileURLWithPath: resolved).standardizedFileURL.path,
            kind: kind,
            contextLength: contextLength,
            defaultTemperature: temperature,
            dimensions: dimensions
        )
        settings.truncateInputs = truncateInputs ?? true
        if let templatePath {
            let resolvedTemplate = templatePath.hasPrefix("/") ? templatePath : URL(fileURLWithPath: baseDirectory).appendingPathComponent(templatePath).path
            guard fileManager.fileExists(atPath: resolvedTemplate) else {
                throw reader.error("chat_template", "no file at '\(resolvedTemplate)'")
            }
            settings.chatTemplatePath = URL(fileURLWithPath: resolvedTemplate).standardizedFileURL.path
        }
        return settings
    }
}
