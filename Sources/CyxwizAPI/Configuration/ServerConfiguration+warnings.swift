extension ServerConfiguration {
    /// Things that are allowed but that an operator should hear about at start-up.
    public var startupWarnings: [String] {
        var warnings: [String] = []
        if !api.requireAuth, !api.address.isLoopback {
            warnings.append(
                "listening on \(api.address) with require_auth = false: anyone who can reach this address can use the models"
            )
        }
        if api.maxRequestsPerMinute > 0 || api.maxTokensPerMinute > 0 {
            warnings.append("max_requests_per_minute / max_tokens_per_minute are validated but not enforced yet")
        }
        if api.corsEnabled {
            warnings.append("cors_enabled is validated but CORS headers are not served yet")
        }
        return warnings
    }
}
