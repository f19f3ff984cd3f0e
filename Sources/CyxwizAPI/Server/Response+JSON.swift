import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NodeInference

extension Response {
    /// A JSON response encoded as OpenAI encodes it (slashes unescaped, explicit nulls).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data: Data
        do {
            data = try WireFormat.makeEncoder().encode(value)
        } catch {
            // Our own types always encode; this stays a 500 in the envelope rather than a trap.
            data = Data(#"{"error":{"message":"response encoding failed","type":"server_error","param":null,"code":"internal_error"}}"#.utf8)
            return Response(
                status: .internalServerError,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data))
            )
        }
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
