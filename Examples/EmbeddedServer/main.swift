// The OpenAI-compatible server inside another Swift program: a configuration built in code (no
// config.toml), the models loaded, and the HTTP API started on a chosen port beside whatever
// else the program does. SIGINT or SIGTERM stops it gracefully.
//
//   swift run -c release EmbeddedServer [PORT] [MODELS_FOLDER]
//
// then, for example:
//   curl -H "Authorization: Bearer embedded-example-key" http://127.0.0.1:PORT/v1/models
import CyxwizAPI
import Foundation
import Logging
import ServiceLifecycle

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
let folder = URL(fileURLWithPath: arguments.count > 2 ? arguments[2] : "models").standardizedFileURL.path

var api = APISettings(address: ListenAddress(host: "127.0.0.1", port: port), apiKeys: ["embedded-example-key"], requireAuth: true)
api.shutdownGraceSeconds = 5
let configuration = ServerConfiguration(
    api: api,
    models: [
        ModelSettings(id: "assistant", path: "\(folder)/SmolLM2-135M-Instruct.Q4_1.gguf", kind: .chat, defaultTemperature: 0.7),
        ModelSettings(id: "embedder", path: "\(folder)/all-MiniLM-L6-v2", kind: .embedding),
    ],
    runtime: RuntimeSettings(threads: nil))

var logger = Logger(label: "embedded-server")
logger.logLevel = .notice
do {
    let host = try ModelHost.load(configuration)
    let app = buildApplication(configuration: configuration, host: host, logger: logger) { address in
        // The moment the server listens: with port 0 in the configuration, this names the port.
        FileHandle.standardOutput.write(Data("embedded server listening on http://\(address)\n".utf8))
    }
    let group = ServiceGroup(
        services: [GracefulServer(app, coordinator: host.shutdown, grace: .seconds(configuration.api.shutdownGraceSeconds))],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    try await group.run()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
