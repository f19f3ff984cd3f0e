import Foundation
import Hummingbird
import NIOCore
import NodeInference

/// OpenAI's streaming wire format: `data: {json}\n\n` per event, `data: [DONE]\n\n` at the end.
enum ServerSentEvents {
    static func event(_ value: some Encodable) -> ByteBuffer {
        let data = (try? WireFormat.makeEncoder().encode(value)) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    static var shutdownEvent: ByteBuffer {
        let body = ShutdownCoordinator.error
        return event(ErrorResponse(error: ErrorObject(message: body.message, type: body.type, code: body.code)))
    }

    static func response(_ body: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                try await body(&writer)
                try await writer.finish(nil)
            }
        )
    }
}

extension Controllers {
    /// A random id in OpenAI's style (`chatcmpl-…`, `cmpl-…`).
    static func identifier(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return prefix + String((0..<24).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}

enum Controllers {}
