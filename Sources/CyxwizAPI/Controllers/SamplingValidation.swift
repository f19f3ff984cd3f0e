import NodeInference

/// Checks the parameters the two generation endpoints share and turns them into engine terms.
/// Each problem is a 400 naming the parameter.
struct SamplingValidation {
    let maxStopSequences: Int
    let vocabularySize: Int
    static let maxChoices = 8

    struct Input {
        var temperature: Double?
        var topP: Double?
        var topK: Int?
        var minP: Double?
        var presencePenalty: Double?
        var frequencyPenalty: Double?
        var repetitionPenalty: Double?
        var logitBias: [String: Double]?
        var seed: Int?
        var stop: StopSequences?
        var n: Int?
        var defaultTemperature: Double?
    }

    static func bad(_ message: String, _ param: String) -> APIError {
        APIError.invalidRequest(message, param: param, code: "invalid_value")
    }

    func parameters(_ input: Input) throws -> (SamplingParameters, [String], Int) {
        var sampling = SamplingParameters()
        let temperature = input.temperature ?? input.defaultTemperature ?? 1
        guard temperature.isFinite, (0...2).contains(temperature) else { throw Self.bad("temperature must be between 0 and 2.", "temperature") }
        sampling.temperature = Float(temperature)
        if let topP = input.topP {
            guard topP.isFinite, topP > 0, topP <= 1 else { throw Self.bad("top_p must be greater than 0 and at most 1.", "top_p") }
            sampling.topP = Float(topP)
        }
        if let topK = input.topK {
            guard topK >= -1 else { throw Self.bad("top_k must be -1 or 0 (disabled) or a positive count.", "top_k") }
            sampling.topK = max(0, topK)
        }
        if let minP = input.minP {
            guard minP.isFinite, (0...1).contains(minP) else { throw Self.bad("min_p must be between 0 and 1.", "min_p") }
            sampling.minP = Float(minP)
        }
        for (name, value) in [("presence_penalty", input.presencePenalty), ("frequency_penalty", input.frequencyPenalty)] {
            if let value {
                guard value.isFinite, (-2...2).contains(value) else { throw Self.bad("\(name) must be between -2 and 2.", name) }
            }
        }
        sampling.presencePenalty = Float(input.presencePenalty ?? 0)
        sampling.frequencyPenalty = Float(input.frequencyPenalty ?? 0)
        if let penalty = input.repetitionPenalty {
            guard penalty.isFinite, penalty > 0, penalty <= 10 else { throw Self.bad("repetition_penalty must be greater than 0 and at most 10.", "repetition_penalty") }
            sampling.repetitionPenalty = Float(penalty)
        }
        if let bias = input.logitBias {
            guard bias.count <= 1024 else { throw Self.bad("logit_bias may name at most 1024 tokens.", "logit_bias") }
            for (key, value) in bias {
                guard let token = Int(key), token >= 0, token < vocabularySize else {
                    throw Self.bad("logit_bias key '\(key)' is not a token id of this model (0..<\(vocabularySize)).", "logit_bias")
                }
                guard value.isFinite, (-100...100).contains(value) else { throw Self.bad("logit_bias values must be between -100 and 100.", "logit_bias") }
                sampling.logitBias[token] = Float(value)
            }
        }
        if let seed = input.seed { sampling.seed = UInt64(bitPattern: Int64(seed)) }
        let stops = input.stop?.values ?? []
        guard stops.count <= maxStopSequences else { throw Self.bad("stop may have at most \(maxStopSequences) sequences.", "stop") }
        guard stops.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 1024 }) else { throw Self.bad("stop sequences must be 1 to 1024 bytes long.", "stop") }
        let n = input.n ?? 1
        guard (1...Self.maxChoices).contains(n) else { throw Self.bad("n must be between 1 and \(Self.maxChoices).", "n") }
        return (sampling, stops, n)
    }

    /// A parameter this server does not implement: refused by name rather than ignored.
    static func unsupported(_ param: String, _ reason: String) -> APIError {
        APIError.invalidRequest("'\(param)' is not supported by this server: \(reason)", param: param, code: "unsupported_parameter")
    }
}
