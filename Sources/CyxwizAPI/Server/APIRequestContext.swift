import Foundation
import Hummingbird

/// The request context of every route: Hummingbird's core storage plus what the middleware
/// learns about a request on its way in.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `x-request-id`: the client's if it sent a sane one, else ours.
    public var requestID: String = ""
    /// Who the limits apply to: the name of the key used (`key-1`; never the key itself), or
    /// the client's address when authentication is off.
    public var callerIdentity: String
    let clientAddress: String
    /// Shared by every copy of this context, so outer middleware sees what inner code learned.
    public let record = RequestRecord()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.callerIdentity = clientAddress
    }
}

/// What the request log line reports, filled in as the request is handled.
public final class RequestRecord: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var values: [String: String] = [:]

    public subscript(key: String) -> String? {
        get { lock.withLock { values[key] } }
        set { lock.withLock { values[key] = newValue } }
    }

    var all: [String: String] { lock.withLock { values } }
}
