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

    /// The event that ends a stream whose generation failed: a timeout, or an engine error.
    static func failure(_ error: any Error) -> ByteBuffer {
        if error is GenerationTimeout {
            let timeout = APIError.requestTimeout(seconds: 0)
            return event(ErrorResponse(error: ErrorObject(message: "The request ran past this server's time limit; its generation was stopped.", type: timeout.type, code: timeout.code)))
        }
        return event(ErrorResponse(error: ErrorObject(message: "\(error)", type: "server_error", code: "generation_failed")))
    }

    /// A streamed answer. The body runs until it ends or the client disconnects, whichever
    /// comes first: a disconnect cancels it at once (the engine stops before its next token),
    /// even while the request waits for its model or its prompt is read, when nothing is written
    /// that could fail. The connection is not reused afterwards (`Connection: close`).
    ///
    /// A client that closes the connection as soon as it reads `[DONE]` has its whole answer:
    /// once the body has returned, a disconnect racing with its end does not turn the stream
    /// into a failed or cancelled one.
    static func response(_ request: Request, _ body: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "close"],
            body: ResponseBody { writer in
                let written = OnceFlag()
                do {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        try await body(&writer)
                        written.set()
                    }
                    try await writer.finish(nil)
                } catch where written.isSet {
                    return
                }
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

enum Controllers {
    /// Runs a non-streamed generation, cancelling it the moment the client disconnects (the
    /// engine then stops before its next token; the log and metrics show 499). Watching for the
    /// disconnect ends the connection's reuse, so the answer says `Connection: close`.
    static func generating(_ request: Request, timeout: Double?, _ operation: () async throws -> Response) async throws -> Response {
        do {
            var response = try await request.body.consumeWithCancellationOnInboundClose { _ in try await operation() }
            response.headers[.connection] = "close"
            return response
        } catch is GenerationTimeout {
            var error = APIError.requestTimeout(seconds: timeout ?? 0)
            error.headers["Connection"] = "close"
            throw error
        } catch var error as APIError {
            error.headers["Connection"] = "close"
            throw error
        }
    }

    /// When a generation must end: its request's start plus `request_timeout_seconds`.
    static func deadline(from start: ContinuousClock.Instant, timeout: Double?) -> ContinuousClock.Instant? {
        timeout.map { start + .milliseconds(Int64(($0 * 1000).rounded())) }
    }
}
