import Foundation
import NodeInference
import ServiceLifecycle

/// Graceful shutdown: on SIGTERM/SIGINT the server stops accepting and in-flight requests may
/// finish for `shutdown_grace_seconds`; then running generations are stopped, streams end with
/// a `server_shutting_down` error event, and the process exits 0.
public final class ShutdownCoordinator: Sendable {
    private let flag = OnceFlag()

    public init() {}

    /// Tells every generation to stop before its next token.
    public func abort() { flag.set() }
    public var isAborting: Bool { flag.isSet }

    static let error = ErrorResponseBody(
        message: "The server is shutting down; this generation was stopped.", type: "server_error", code: "server_shutting_down")
}

/// Runs the server as one service: when the shutdown signal arrives, the server stops
/// accepting and finishes in-flight requests while a timer runs; after the grace period the
/// timer aborts what is still generating. (A separate service would not do: ServiceGroup shuts
/// services down one after another, in reverse order.)
public struct GracefulServer<Wrapped: Service>: Service {
    let wrapped: Wrapped
    let coordinator: ShutdownCoordinator
    let grace: Duration

    public init(_ wrapped: Wrapped, coordinator: ShutdownCoordinator, grace: Duration) {
        self.wrapped = wrapped
        self.coordinator = coordinator
        self.grace = grace
    }

    public func run() async throws {
        let timer = GraceTimer()
        defer { timer.cancel() }
        let coordinator = self.coordinator, grace = self.grace
        try await withGracefulShutdownHandler {
            try await wrapped.run()
        } onGracefulShutdown: {
            timer.start(Task {
                try? await Task.sleep(for: grace)
                if !Task.isCancelled { coordinator.abort() }
            })
        }
    }
}

/// The grace-period timer, started from the shutdown handler and cancelled when the server ends.
final class GraceTimer: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var task: Task<Void, Never>?

    func start(_ task: Task<Void, Never>) { lock.withLock { self.task = task } }
    func cancel() { lock.withLock { task?.cancel() } }
}

/// The error object streams end with when shutdown cuts them short.
struct ErrorResponseBody: Sendable {
    let message: String
    let type: String
    let code: String
}
