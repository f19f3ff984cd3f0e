import CyxwizAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NodeInference
import Testing

@Suite("HTTP skeleton: models, health, auth, errors")
struct ServerTests {
    let scratch: ScratchFolder
    let configuration: ServerConfiguration

    init() throws {
        scratch = try ScratchFolder()
        configuration = try scratch.parse(minimalConfiguration)
    }

    func app(_ configuration: ServerConfiguration) -> some ApplicationProtocol {
        Application(router: buildRouter(configuration: configuration))
    }

    static let bearer: HTTPFields = [.authorization: "Bearer file-key"]

    func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try JSONDecoder().decode(type, from: Data(buffer: response.body))
    }

    @Test func listsTheConfiguredModels() async throws {
        try await app(configuration).test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get, headers: Self.bearer) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let list = try decode(ModelList.self, response)
                #expect(list.object == "list")
                #expect(list.data.map(\.id) == ["chat", "embed"])
                #expect(list.data.allSatisfy { $0.object == "model" && $0.created > 0 && !$0.ownedBy.isEmpty })
            }
            try await client.execute(uri: "/v1/models/embed", method: .get, headers: Self.bearer) { response in
                #expect(response.status == .ok)
                let decoded = try decode(Model.self, response)
                #expect(decoded.id == "embed")
            }
        }
    }

    @Test func unknownModelIs404InOpenAIShape() async throws {
        try await app(configuration).test(.router) { client in
            try await client.execute(uri: "/v1/models/gpt-5", method: .get, headers: Self.bearer) { response in
                #expect(response.status == .notFound)
                let body = try decode(ErrorResponse.self, response)
                #expect(body.error.code == "model_not_found")
                #expect(body.error.type == "invalid_request_error")
                #expect(body.error.param == "model")
                #expect(body.error.message.contains("gpt-5"))
            }
        }
    }

    @Test(arguments: [nil, "Bearer wrong-key", "Basic ZmlsZS1rZXk=", "Bearer", "bearer file-ke", "Bearer file-key-and-more"])
    func missingOrWrongKeyIs401(_ authorization: String?) async throws {
        var fields = HTTPFields()
        if let authorization { fields[.authorization] = authorization }
        let headers = fields
        try await app(configuration).test(.router) { client in
            for uri in ["/v1/models", "/v1/models/chat", "/v1/unknown"] {
                try await client.execute(uri: uri, method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    let text = String(buffer: response.body)
                    let body = try decode(ErrorResponse.self, response)
                    #expect(body.error.code == "invalid_api_key")
                    #expect(body.error.type == "invalid_request_error")
                    #expect(text.contains(#""param":null"#))
                    #expect(!text.contains("file-key"))
                }
            }
        }
    }

    @Test func bearerSchemeIsCaseInsensitiveAndEveryConfiguredKeyWorks() async throws {
        var configuration = configuration
        configuration.api.apiKeys = ["first", "second"]
        try await app(configuration).test(.router) { client in
            for header in ["Bearer first", "bearer second", "BEARER  second"] {
                try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: header]) { response in
                    #expect(response.status == .ok, "\(header)")
                }
            }
        }
    }

    @Test func healthNeedsNoKey() async throws {
        try await app(configuration).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""status":"ok""#))
                #expect(String(buffer: response.body).contains(#""models":{"#))
            }
        }
    }

    @Test func authOffNeedsNoKey() async throws {
        var configuration = configuration
        configuration.api.requireAuth = false
        try await app(configuration).test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func unknownRouteAndWrongMethodAnswerInOpenAIShape() async throws {
        try await app(configuration).test(.router) { client in
            try await client.execute(uri: "/v1/nothing/here", method: .get, headers: Self.bearer) { response in
                #expect(response.status == .notFound)
                let decoded = try decode(ErrorResponse.self, response)
                #expect(decoded.error.code == "unknown_url")
            }
            try await client.execute(uri: "/v1/models", method: .delete, headers: Self.bearer) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                let decoded = try decode(ErrorResponse.self, response)
                #expect(decoded.error.code == "method_not_allowed")
            }
            try await client.execute(uri: "/v1/models/chat", method: .post, headers: Self.bearer) { response in
                #expect(response.status == .methodNotAllowed)
            }
        }
    }

    @Test func requestIDIsHonouredOrGenerated() async throws {
        let header = HTTPField.Name("x-request-id")!
        try await app(configuration).test(.router) { client in
            var headers = Self.bearer
            headers[header] = "client-id-123"
            try await client.execute(uri: "/v1/models", method: .get, headers: headers) { response in
                #expect(response.headers[header] == "client-id-123")
            }
            // Errors carry it too, and an unusable id is replaced.
            headers[header] = String(repeating: "x", count: 500)
            try await client.execute(uri: "/v1/models/none", method: .get, headers: headers) { response in
                let id = try #require(response.headers[header])
                #expect(id.hasPrefix("req_"))
            }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.headers[header]?.hasPrefix("req_") == true)
            }
        }
    }

    @Test func percentEncodedModelIDsResolve() async throws {
        var configuration = configuration
        configuration.models[0].id = "org/chat model"
        try await app(configuration).test(.router) { client in
            try await client.execute(uri: "/v1/models/org%2Fchat%20model", method: .get, headers: Self.bearer) { response in
                #expect(response.status == .ok)
                let decoded = try decode(Model.self, response)
                #expect(decoded.id == "org/chat model")
            }
        }
    }
}
