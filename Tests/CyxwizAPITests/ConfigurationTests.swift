import CyxwizAPI
import Foundation
import NodeInference
import Testing

@Suite("config.toml decoding")
struct ConfigurationTests {
    @Test func shippedConfigurationDecodes() throws {
        let path = Repository.root.appendingPathComponent("config.toml").path
        let configuration = try ServerConfiguration.load(path: path, environment: [:])
        #expect(configuration.api.enabled)
        #expect(configuration.api.address == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(configuration.api.requireAuth)
        #expect(configuration.api.apiKeys == ["cyxwiz-local-dev-key"])
        #expect(configuration.models.map(\.id) == ["all-minilm-l6-v2", "smollm2-135m", "smollm2-135m-instruct"])
        #expect(configuration.model(id: "smollm2-135m-instruct")?.kind == .chat)
        #expect(configuration.model(id: "smollm2-135m")?.kind == .completion)
        #expect(configuration.model(id: "smollm2-135m")?.path == configuration.model(id: "smollm2-135m-instruct")?.path)
        #expect(configuration.model(id: "all-minilm-l6-v2")?.dimensions == 384)
        let expectedModel = Repository.root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").standardizedFileURL.path
        #expect(configuration.model(id: "smollm2-135m")?.path == expectedModel)
    }

    /// Every ```toml block of Docs/Configuration.md decodes, so the documentation cannot drift
    /// from the loader. Paths resolve against the repository root, where `models/` lives.
    @Test func documentedExamplesDecode() throws {
        let doc = try String(contentsOf: Repository.root.appendingPathComponent("Docs/Configuration.md"), encoding: .utf8)
        let blocks = doc.components(separatedBy: "```toml\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(blocks.count >= 3)
        for block in blocks {
            do {
                _ = try ServerConfiguration.parse(block, baseDirectory: Repository.root.path, environment: [:])
            } catch {
                Issue.record("Docs/Configuration.md example does not decode: \(error)\n\(block)")
            }
        }
    }

    @Test func minimalConfigurationDecodes() throws {
        let scratch = try ScratchFolder()
        let configuration = try scratch.parse(minimalConfiguration)
        #expect(configuration.models.count == 2)
        #expect(configuration.model(id: "chat")?.path == scratch.url.appendingPathComponent("models/chat.gguf").standardizedFileURL.path)
        #expect(configuration.api.maxRequestsPerMinute == 0)
        #expect(configuration.api.corsEnabled == false)
    }

    @Test func environmentKeyReplacesTheFileKey() throws {
        let scratch = try ScratchFolder()
        let configuration = try scratch.parse(minimalConfiguration, environment: ["CYXWIZ_API_KEY": "env-key"])
        #expect(configuration.api.apiKeys == ["env-key"])
        let withList = try scratch.parse(
            minimalConfiguration.replacingOccurrences(of: "require_auth = true", with: "require_auth = true\napi_keys = [\"k2\", \"k3\"]"),
            environment: ["CYXWIZ_API_KEY": "env-key"]
        )
        #expect(withList.api.apiKeys == ["env-key", "k2", "k3"])
    }

    @Test func environmentKeySatisfiesRequireAuth() throws {
        let scratch = try ScratchFolder()
        let text = minimalConfiguration.replacingOccurrences(of: "api_key = \"file-key\"\n", with: "")
        #expect(throws: ConfigurationError.self) { try scratch.parse(text) }
        #expect(try scratch.parse(text, environment: ["CYXWIZ_API_KEY": "from-env"]).api.apiKeys == ["from-env"])
    }

    /// Each mistake names the key and what is wrong, in one line.
    @Test(arguments: [
        ("adress = \"127.0.0.1:8080\"\naddress = \"127.0.0.1:1\"", "api.adress", "unknown key (did you mean 'address'?)"),
        ("cors_enabled = \"yes\"", "api.cors_enabled", "expected a boolean (true or false), found a string"),
        ("max_requests_per_minute = -1", "api.max_requests_per_minute", "below the minimum"),
        ("max_tokens_per_minute = 1.5", "api.max_tokens_per_minute", "expected an integer, found a float"),
        ("cors_origins = [\"https://a.example\", 3]", "api.cors_origins[1]", "expected a string"),
        ("address = \"localhost\"", "api.address", "cannot parse 'localhost'"),
        ("address = \"127.0.0.1:99999\"", "api.address", "cannot parse"),
        ("address = \"[::1:80\"", "api.address", "cannot parse"),
        ("request_timeout_seconds = -2", "api.request_timeout_seconds", "0 (no limit) or a positive number"),
        ("request_timeout_seconds = \"60s\"", "api.request_timeout_seconds", "expected a number"),
        ("max_queued_requests = -1", "api.max_queued_requests", "below the minimum of 0"),
        ("idle_timeout_seconds = -1", "api.idle_timeout_seconds", "0 (never) or a positive number"),
        ("idle_timeout_seconds = nan", "api.idle_timeout_seconds", "must be a finite number"),
    ])
    func apiMistakesNameTheKey(_ line: String, _ key: String, _ fragment: String) throws {
        let scratch = try ScratchFolder()
        let text = minimalConfiguration.replacingOccurrences(of: "address = \"127.0.0.1:8080\"", with: line)
        do {
            _ = try scratch.parse(text)
            Issue.record("expected an error for \(line)")
        } catch {
            #expect(error.key == key)
            #expect(error.description.contains(fragment), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test(arguments: [
        ("type = \"chat\"", "type = \"chatt\"", "api.models.chat.type", "unknown model type 'chatt'"),
        ("path = \"models/chat.gguf\"", "path = \"models/missing.gguf\"", "api.models.chat.path", "no file or folder at"),
        ("path = \"models/chat.gguf\"", "", "api.models.chat.path", "missing"),
        ("type = \"chat\"", "type = \"chat\"\ncontext_lenght = 10", "api.models.chat.context_lenght", "did you mean 'context_length'"),
        ("type = \"chat\"", "type = \"chat\"\ncontext_length = 0", "api.models.chat.context_length", "below the minimum of 1"),
        ("type = \"chat\"", "type = \"chat\"\ndefault_temperature = 3.0", "api.models.chat.default_temperature", "outside 0...2"),
        ("type = \"chat\"", "type = \"chat\"\ndimensions = 8", "api.models.chat.dimensions", "only applies to models of type embedding"),
    ])
    func modelMistakesNameTheKey(_ original: String, _ replacement: String, _ key: String, _ fragment: String) throws {
        let scratch = try ScratchFolder()
        let chatTable = "[api.models.chat]\npath = \"models/chat.gguf\"\ntype = \"chat\""
        let edited = chatTable.replacingOccurrences(of: original, with: replacement)
        let text = minimalConfiguration.replacingOccurrences(of: chatTable, with: edited)
        do {
            _ = try scratch.parse(text)
            Issue.record("expected an error for \(replacement)")
        } catch {
            #expect(error.key == key)
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }

    @Test func timeoutAndQueueLimits() throws {
        let scratch = try ScratchFolder()
        let defaults = try scratch.parse(minimalConfiguration).api
        #expect(defaults.requestTimeoutSeconds == 600)
        #expect(defaults.maxQueuedRequests == 64)
        #expect(defaults.idleTimeoutSeconds == 60)
        let set = try scratch.parse(minimalConfiguration.replacingOccurrences(
            of: "address = \"127.0.0.1:8080\"", with: "request_timeout_seconds = 2.5\nmax_queued_requests = 0\nidle_timeout_seconds = 1.5")).api
        #expect(set.requestTimeoutSeconds == 2.5)
        #expect(set.maxQueuedRequests == 0)
        #expect(set.idleTimeoutSeconds == 1.5)
        let unlimited = try scratch.parse(minimalConfiguration.replacingOccurrences(
            of: "address = \"127.0.0.1:8080\"", with: "request_timeout_seconds = 0\nidle_timeout_seconds = 0")).api
        #expect(unlimited.requestTimeoutSeconds == nil)
        #expect(unlimited.idleTimeoutSeconds == nil)
    }

    @Test func namedKeys() throws {
        let scratch = try ScratchFolder()
        let text = minimalConfiguration.replacingOccurrences(of: "api_key = \"file-key\"", with: "") + """

            [api.keys.team-a]
            key = "a-key"
            max_requests_per_minute = 5

            [api.keys.team-b]
            key_env = "TEAM_B_KEY"
            """
        let configuration = try scratch.parse(text, environment: ["TEAM_B_KEY": "b-key"])
        #expect(configuration.api.namedKeys == [
            NamedKey(name: "team-a", key: "a-key", maxRequestsPerMinute: 5), NamedKey(name: "team-b", key: "b-key"),
        ])
        do {
            _ = try scratch.parse(text, environment: [:])
            Issue.record("expected an error for the unset variable")
        } catch {
            #expect(error.key == "api.keys.team-b.key_env")
        }
        do {
            _ = try scratch.parse(text.replacingOccurrences(of: "max_requests_per_minute = 5", with: "max_request_per_minute = 5"), environment: ["TEAM_B_KEY": "b"])
            Issue.record("expected an error for the typo")
        } catch {
            #expect(error.key == "api.keys.team-a.max_request_per_minute")
        }
    }

    @Test func requireAuthWithoutKeyIsAnError() throws {
        let scratch = try ScratchFolder()
        let text = minimalConfiguration.replacingOccurrences(of: "api_key = \"file-key\"", with: "api_key = \"\"")
        #expect(throws: ConfigurationError.self) { try scratch.parse(text) }
        do {
            _ = try scratch.parse(text)
        } catch {
            #expect(error.key == "api.require_auth")
        }
    }

    @Test func runtimeTableDecodes() throws {
        let scratch = try ScratchFolder()
        let defaults = try scratch.parse(minimalConfiguration)
        #expect(defaults.runtime == RuntimeSettings())
        let text = minimalConfiguration + "\n[runtime]\nthreads = 1\nmax_sequences = 4\nprefill_tokens_per_step = 100\nprefix_cache_mib = 0\nkv_cache_mib = 300\nprecision = \"f32\"\nkv_cache = \"f16\"\n"
        let runtime = try scratch.parse(text).runtime
        #expect(runtime.threads == 1)
        #expect(runtime.batch == BatchOptions(maxSequences: 4, prefillTokensPerStep: 128, prefixCacheBytes: 0, kvCacheBytes: 300 << 20))
        #expect(runtime.batch.prefillTokensPerStep == 128)  // whole chunks of 64
        #expect(runtime.precision == .float32)
        #expect(runtime.kvCache == .f16)
        #expect(defaults.runtime.kvCache == nil)  // the precision's default
    }

    @Test(arguments: [
        ("threads = 0", "runtime.threads", "below the minimum of 1"),
        ("max_sequences = 1000", "runtime.max_sequences", "at most 256"),
        ("precision = \"int4\"", "runtime.precision", "unknown precision 'int4' (expected q8 or f32)"),
        ("prefix_cache_mb = 10", "runtime.prefix_cache_mb", "did you mean 'prefix_cache_mib'"),
        ("kv_cache = \"q8\"", "runtime.kv_cache", "unknown KV cache type 'q8' (expected f16 or f32)"),
    ])
    func runtimeMistakesNameTheKey(_ line: String, _ key: String, _ fragment: String) throws {
        let scratch = try ScratchFolder()
        do {
            _ = try scratch.parse(minimalConfiguration + "\n[runtime]\n" + line + "\n")
            Issue.record("expected an error for \(line)")
        } catch {
            #expect(error.key == key)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func unknownTopLevelTableAndSyntaxErrors() throws {
        let scratch = try ScratchFolder()
        #expect(throws: ConfigurationError(file: "config.toml", key: "ap", message: "unknown key (did you mean 'api'?)")) {
            try scratch.parse("[ap]\nenabled = true\n[api]\n")
        }
        do {
            _ = try scratch.parse("[api\nenabled = true")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.description.hasPrefix("config.toml:1:"))
            #expect(error.description.contains("not valid TOML"))
        }
        #expect(throws: ConfigurationError.self) { try scratch.parse("") }
        #expect(throws: ConfigurationError.self) { try scratch.parse("[api]\nmodels = 3") }
        #expect(throws: ConfigurationError.self) { try scratch.parse("[api]\n[api.models]\nchat = \"x\"") }
    }

    @Test func unreadableFileIsAnError() {
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(path: "/nonexistent/config.toml", environment: [:])
        }
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080), ("localhost:0", "localhost", 0), ("[::1]:9000", "::1", 9000),
        ("0.0.0.0:80", "0.0.0.0", 80), ("node-1.example.internal:443", "node-1.example.internal", 443),
    ])
    func addressesParse(_ text: String, _ host: String, _ port: Int) {
        #expect(ListenAddress(parsing: text) == ListenAddress(host: host, port: port))
    }

    @Test(arguments: ["", ":80", "host:", "host:http", "::1:80", "[::1]", "[]:80", "a b:80", "host:-1", "host:65536", "host:+80"])
    func badAddressesDoNotParse(_ text: String) {
        #expect(ListenAddress(parsing: text) == nil)
    }

    @Test func warningsForExposedUnauthenticatedServer() throws {
        let scratch = try ScratchFolder()
        let text = minimalConfiguration
            .replacingOccurrences(of: "127.0.0.1:8080", with: "0.0.0.0:8080")
            .replacingOccurrences(of: "require_auth = true", with: "require_auth = false")
        #expect(try scratch.parse(text).startupWarnings.contains { $0.contains("require_auth = false") })
        #expect(try scratch.parse(minimalConfiguration).startupWarnings.isEmpty)
    }
}

/// Every key the loader reads is documented in Docs/Configuration.md, under its table's
/// heading, and every documented key is one the loader reads.
@Suite("config.toml documentation")
struct ConfigurationDocumentationTests {
    /// `## `[api.models.<id>]`` → `api.models.*`; the first backticked cell of each table row.
    static func documentedKeys() throws -> [String: Set<String>] {
        let doc = try String(contentsOf: Repository.root.appendingPathComponent("Docs/Configuration.md"), encoding: .utf8)
        var result: [String: Set<String>] = [:]
        var table: String?
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                let heading = line.dropFirst(3)
                table = heading.hasPrefix("`[") ? Self.normalize(String(heading.dropFirst(2).prefix { $0 != "]" })) : nil
                continue
            }
            guard let table, line.hasPrefix("| `") else { continue }
            let key = line.dropFirst(3).prefix { $0 != "`" }
            result[table, default: []].insert(String(key))
        }
        return result
    }

    static func normalize(_ path: String) -> String {
        let parts = path.split(separator: ".")
        guard parts.count == 3 else { return path }
        return "\(parts[0]).\(parts[1]).*"
    }

    @Test func everyKeyIsDocumentedAndEveryDocumentedKeyExists() throws {
        let known = KnownKeys()
        let doc = try String(contentsOf: Repository.root.appendingPathComponent("Docs/Configuration.md"), encoding: .utf8)
        var sources = doc.components(separatedBy: "```toml\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        sources.append(try String(contentsOf: Repository.root.appendingPathComponent("config.toml"), encoding: .utf8))
        try KnownKeys.$current.withValue(known) {
            for source in sources {
                _ = try ServerConfiguration.parse(source, baseDirectory: Repository.root.path, environment: ["CYXWIZ_TEST_KEY": "k"])
            }
        }
        var read: [String: Set<String>] = [:]
        for (path, keys) in known.byTable where !path.isEmpty {
            read[Self.normalize(path), default: []].formUnion(keys)
        }
        // Sub-tables are documented as sections of their own.
        read["api"]?.subtract(["models", "keys"])
        #expect(read["api.models.*"] != nil && read["api.keys.*"] != nil && read["runtime"] != nil,
                "the examples should exercise every kind of table: \(read.keys.sorted())")
        let documented = try Self.documentedKeys()
        for table in Set(read.keys).union(documented.keys).sorted() {
            let code = read[table] ?? [], docs = documented[table] ?? []
            #expect(code.subtracting(docs).isEmpty, "[\(table)] keys read but not documented: \(code.subtracting(docs).sorted())")
            #expect(docs.subtracting(code).isEmpty, "[\(table)] keys documented but not read: \(docs.subtracting(code).sorted())")
        }
    }
}

/// config.toml mutated thousands of times (fixed seed): every case is a configuration or a
/// `ConfigurationError`, never a trap or a hang.
@Suite("Fuzzing config.toml", .timeLimit(.minutes(2)))
struct ConfigurationFuzzTests {
    /// What fuzzing found: each of these aborted the process inside toml++ (an assertion), and
    /// is now refused first, naming the line and column.
    @Test(arguments: ["[@]", "[\u{FFFD}pi]", "[[ @]]", "[.a]", "[\u{13}api]", "s=[}", "s = [1, }", "s=[[}]]", "[api]\nx = 1\u{7F}"])
    func inputsThatAbortedTheTOMLParserAreErrors(_ text: String) {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.parse(text, baseDirectory: "/tmp", environment: [:]) }
    }

    /// Valid TOML the screen must let through: arrays of arrays, signed numbers at a line's
    /// start inside an array, quoted keys, non-ASCII in strings and comments.
    @Test func validTOMLPassesTheScreen() throws {
        let text = "# é\n[api]\napi_keys = [\n  \"ü\",\n]\ncors_origins = [ \"https://é.example\" ] # ü\n[runtime]\nthreads = 2\n[api.models.\"café\"]\npath = \"models/all-MiniLM-L6-v2\"\ntype = \"embedding\"\n"
        let configuration = try ServerConfiguration.parse(text, baseDirectory: Repository.root.path, environment: [:])
        #expect(configuration.models.map(\.id) == ["café"])
        #expect(configuration.api.apiKeys == ["ü"])
    }

    @Test func mutatedConfigurationsEndInAnErrorOrAConfiguration() throws {
        let seed = Array(try String(contentsOf: Repository.root.appendingPathComponent("config.toml"), encoding: .utf8).utf8)
            + Array("\n[api.keys.team]\nkey = \"k\"\nmax_requests_per_minute = 5\n".utf8)
        var state: UInt64 = 0x70AD
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        let pieces = ["=", "[", "]", "\"", "[[api]]", "-1", "99999999999999999999", "1e999", "nan", "inf", "true", "{", "}", "\n", "'''", "\\u0000", "\u{FFFD}", "[api.models.x]\n"]
        #expect((try? ServerConfiguration.parse(String(decoding: seed, as: UTF8.self), baseDirectory: Repository.root.path)) != nil)
        var parsed = 0, refused = 0
        for round in 0..<3000 {
            var bytes = seed
            if round < 300 {
                bytes = Array(seed.prefix(seed.count * round / 300))
            } else {
                for _ in 0...(next() % 3) {
                    let at = next() % (bytes.count + 1)
                    switch next() % 4 {
                    case 0 where at < bytes.count: bytes[at] = UInt8(truncatingIfNeeded: next())
                    case 1 where at < bytes.count: bytes.removeSubrange(at..<min(bytes.count, at + 1 + next() % 24))
                    case 2: bytes.insert(contentsOf: Array(pieces[next() % pieces.count].utf8), at: at)
                    default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + next() % 64)], at: next() % (bytes.count + 1))
                    }
                }
            }
            do {
                _ = try ServerConfiguration.parse(String(decoding: bytes, as: UTF8.self), baseDirectory: Repository.root.path, environment: [:])
                parsed += 1
            } catch {
                refused += 1
            }
        }
        print("config.toml: \(parsed) parsed, \(refused) refused")
        #expect(parsed > 0 && refused > 0)
    }
}
