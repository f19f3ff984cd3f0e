import CyxwizAPI
import Foundation

enum Repository {
    /// The checkout's root, found from this file's path.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// A scratch folder with two placeholder model files, for configurations that must pass the
/// path check without the real models.
struct ScratchFolder {
    let url: URL

    init() throws {
        url = Self.root.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url.appendingPathComponent("models/embed"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: url.appendingPathComponent("models/chat.gguf").path, contents: Data("GGUF".utf8))
    }

    /// Where every scratch folder of this test process goes; removed when the process exits
    /// (configurations parsed from a folder keep its paths, so it must outlive the test).
    static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cyxwiz-api-tests-\(UUID().uuidString)")
        atexit { try? FileManager.default.removeItem(at: ScratchFolder.root) }
        return url
    }()

    func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigurationError) -> ServerConfiguration {
        try ServerConfiguration.parse(text, baseDirectory: url.path, environment: environment)
    }
}

/// A minimal valid configuration with one chat and one embedding model.
let minimalConfiguration = """
    [api]
    address = "127.0.0.1:8080"
    api_key = "file-key"
    require_auth = true

    [api.models.chat]
    path = "models/chat.gguf"
    type = "chat"

    [api.models.embed]
    path = "models/embed"
    type = "embedding"
    dimensions = 384
    """
