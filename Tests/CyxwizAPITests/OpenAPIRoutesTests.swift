import CyxwizAPI
import Foundation
import Testing

/// Docs/openapi.yaml describes exactly the routes the server registers (schemathesis then
/// checks the live server against it, in Tests/e2e/test_openapi.py).
@Suite("OpenAPI description against the router")
struct OpenAPIRoutesTests {
    /// `METHOD /path` for each operation under `paths:` (two-space path keys, four-space
    /// method keys: the file's layout, which this reads without a YAML library).
    static func documentedRoutes() throws -> Set<String> {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("Docs/openapi.yaml"), encoding: .utf8)
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var routes: Set<String> = []
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty && !line.hasPrefix("#") {
                inPaths = line == "paths:"
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.dropFirst(2).contains(" ") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if methods.contains(String(key)) { routes.insert("\(key.uppercased()) \(path)") }
            }
        }
        return routes
    }

    @Test func everyRegisteredRouteIsDocumentedAndNoOther() throws {
        let configuration = try ScratchFolder().parse(minimalConfiguration)
        let registered = Set(registeredRoutes(configuration: configuration))
        let documented = try Self.documentedRoutes()
        #expect(documented.count >= 9, "the reader found \(documented.sorted())")
        #expect(registered.subtracting(documented).isEmpty, "registered, not in Docs/openapi.yaml: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "in Docs/openapi.yaml, not registered: \(documented.subtracting(registered).sorted())")
    }
}
