import ArgumentParser
import CyxwizAPI
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the HTTP server on the models of a configuration file.",
        discussion: """
            The configuration is checked before anything listens: a mistake (unknown key, wrong \
            type, missing model file, unknown model type) prints one line naming it and exits 1. \
            CYXWIZ_API_KEY, when set, replaces api.api_key.
            """
    )

    @Option(name: .long, help: "Path of the configuration file.")
    var config: String = "config.toml"

    @Option(name: .long, help: "Listen on HOST:PORT instead of api.address (e.g. 127.0.0.1:9000, [::1]:8080).")
    var address: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var logger = Logger(label: "cyxwiz-api")
        logger.logLevel = logLevel

        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        if let address {
            guard let parsed = ListenAddress(parsing: address) else {
                FileHandle.standardError.write(
                    Data("error: --address: cannot parse '\(address)' as host:port (for example 127.0.0.1:8080)\n".utf8))
                throw ExitCode(1)
            }
            configuration.api.address = parsed
        }
        guard configuration.api.enabled else {
            FileHandle.standardError.write(Data("cyxwiz-api: the API is disabled in \(config) (api.enabled = false); not starting.\n".utf8))
            return
        }
        for warning in configuration.startupWarnings {
            logger.warning("\(warning)")
        }
        if geteuid() == 0 {
            logger.warning(
                "running as root: a fault in request handling would have the whole machine; run cyxwiz-api as an unprivileged user (Docs/Deployment.md)")
        }
        let host: ModelHost
        do {
            host = try ModelHost.load(configuration)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        let startupLogger = logger
        let modelCount = configuration.models.count
        let app = buildApplication(configuration: configuration, host: host, logger: logger) { address in
            startupLogger.notice("cyxwiz-api listening on http://\(address) with \(modelCount) model(s)")
        }
        let group = ServiceGroup(
            services: [GracefulServer(app, coordinator: host.shutdown, grace: .seconds(configuration.api.shutdownGraceSeconds))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        try await group.run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
