import Foundation

/// Rolling one-minute limits per caller, as OpenAI applies them: each request counts once;
/// a generation is charged its prompt tokens plus its `max_tokens` up front and refunded what
/// it did not use when it ends. Check-and-charge happens under one lock, so a burst of N+1
/// simultaneous requests against a limit of N lets exactly N through.
public final class RateLimiter: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    public struct Limits: Sendable, Equatable {
        public var requestsPerMinute: Int
        public var tokensPerMinute: Int

        public init(requestsPerMinute: Int, tokensPerMinute: Int) {
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerMinute = tokensPerMinute
        }
    }

    /// What a response reports in OpenAI's `x-ratelimit-*` headers.
    public struct Status: Sendable, Equatable {
        public var limitRequests: Int, remainingRequests: Int, resetRequests: Double
        public var limitTokens: Int, remainingTokens: Int, resetTokens: Double
    }

    public enum Refusal: Error, Equatable {
        case requests(retryAfter: Double)
        case tokens(retryAfter: Double, requested: Int, limit: Int)
    }

    /// A charge that can be refunded in part.
    public struct Reservation: Sendable {
        let identity: String
        let id: UInt64
        public let amount: Int
    }

    let limits: Limits
    /// Limits of named keys that override the defaults.
    let overrides: [String: Limits]
    let window: Double = 60
    private let lock = NSLock()
    private var requests: [String: [Double]] = [:]
    private var tokens: [String: [(id: UInt64, time: Double, amount: Int)]] = [:]
    private var nextID: UInt64 = 0
    private let clock: @Sendable () -> Double

    public init(limits: Limits, overrides: [String: Limits] = [:], clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.limits = limits
        self.overrides = overrides
        self.clock = clock
    }

    public var isActive: Bool {
        ([limits] + overrides.values).contains { $0.requestsPerMinute > 0 || $0.tokensPerMinute > 0 }
    }

    func limits(_ identity: String) -> Limits { overrides[identity] ?? limits }

    /// Counts one request, or refuses it when the caller has used up its requests.
    public func admit(_ identity: String) throws(Refusal) {
        let limits = limits(identity)
        guard limits.requestsPerMinute > 0 else { return }
        let refusal: Refusal? = lock.withLock {
            let now = clock()
            var times = requests[identity, default: []].filter { $0 > now - window }
            defer { requests[identity] = times }
            guard times.count < limits.requestsPerMinute else { return .requests(retryAfter: (times.first ?? now) + window - now) }
            times.append(now)
            return nil
        }
        if let refusal { throw refusal }
    }

    /// Charges `amount` tokens, or refuses when they would exceed the caller's tokens per minute.
    public func reserve(_ identity: String, tokens amount: Int) throws(Refusal) -> Reservation? {
        let limits = limits(identity)
        guard limits.tokensPerMinute > 0 else { return nil }
        let result: Result<Reservation, Refusal> = lock.withLock {
            let now = clock()
            var entries = tokens[identity, default: []].filter { $0.time > now - window }
            defer { tokens[identity] = entries }
            let used = entries.reduce(0) { $0 + $1.amount }
            guard amount <= limits.tokensPerMinute else {
                return .failure(.tokens(retryAfter: window, requested: amount, limit: limits.tokensPerMinute))
            }
            guard used + amount <= limits.tokensPerMinute else {
                // Wait until enough of the oldest charges leave the window.
                var freed = 0
                var wait = window
                for entry in entries {
                    freed += entry.amount
                    if used - freed + amount <= limits.tokensPerMinute {
                        wait = entry.time + window - now
                        break
                    }
                }
                return .failure(.tokens(retryAfter: wait, requested: amount, limit: limits.tokensPerMinute))
            }
            nextID += 1
            entries.append((nextID, now, amount))
            return .success(Reservation(identity: identity, id: nextID, amount: amount))
        }
        return try result.get()
    }

    /// Lowers a reservation to what was really used.
    public func settle(_ reservation: Reservation?, used: Int) {
        guard let reservation else { return }
        lock.withLock {
            guard var entries = tokens[reservation.identity], let index = entries.firstIndex(where: { $0.id == reservation.id }) else { return }
            entries[index].amount = min(entries[index].amount, max(0, used))
            tokens[reservation.identity] = entries
        }
    }

    /// Records tokens used without a reservation (embeddings, counted after the fact).
    public func record(_ identity: String, tokens amount: Int) {
        guard limits(identity).tokensPerMinute > 0, amount > 0 else { return }
        lock.withLock {
            nextID += 1
            tokens[identity, default: []].append((nextID, clock(), amount))
        }
    }

    public func status(_ identity: String) -> Status {
        let limits = limits(identity)
        return lock.withLock {
            let now = clock()
            let times = requests[identity, default: []].filter { $0 > now - window }
            let entries = tokens[identity, default: []].filter { $0.time > now - window }
            let used = entries.reduce(0) { $0 + $1.amount }
            return Status(
                limitRequests: limits.requestsPerMinute, remainingRequests: max(0, limits.requestsPerMinute - times.count),
                resetRequests: times.first.map { $0 + window - now } ?? 0,
                limitTokens: limits.tokensPerMinute, remainingTokens: max(0, limits.tokensPerMinute - used),
                resetTokens: entries.first.map { $0.time + window - now } ?? 0)
        }
    }

    /// OpenAI's duration format: `20ms`, `1s`, `59.5s`, `6m0s`.
    public static func format(_ seconds: Double) -> String {
        let seconds = max(0, seconds)
        if seconds < 1 { return "\(Int((seconds * 1000).rounded(.up)))ms" }
        let minutes = Int(seconds) / 60
        let rest = seconds - Double(minutes * 60)
        var text = String(format: "%.3f", rest)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return minutes > 0 ? "\(minutes)m\(text)s" : "\(text)s"
    }
}
