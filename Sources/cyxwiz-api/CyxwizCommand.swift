import ArgumentParser

@main
struct CyxwizCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cyxwiz-api",
        abstract: "The OpenAI-compatible inference API of a CyxWiz Server Node.",
        discussion: """
            Serves the models listed in a config.toml over OpenAI's HTTP API, so that any \
            OpenAI client can use the node by pointing its base URL at it.
            """,
        subcommands: [Serve.self, Tokenize.self, Generate.self, Template.self, Bench.self],
        defaultSubcommand: nil
    )
}
