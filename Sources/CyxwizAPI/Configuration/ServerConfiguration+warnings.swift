extension ServerConfiguration {
    /// Things that are allowed but that an operator should hear about at start-up.
    public var startupWarnings: [String] {
        var warnings: [String] = []
        if !api.requireAuth, !api.address.isLoopback {
            warnings.append(
                "SECURITY: listening on \(api.address) with require_auth = false: anyone who can reach this address can use the models; "
                    + "set require_auth = true with a key, or listen on a loopback address"
            )
        }
        return warnings
    }
}
