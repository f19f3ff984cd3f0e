import Foundation
import NodeInference
import Testing

@Suite("Sampling transforms, each on its own")
struct SamplingTests {
    func withLogits(_ values: [Float], _ body: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { body($0) }
        return copy
    }

    @Test func logitBiasAddsAndMinus100Bans() {
        let out = withLogits([1, 2, 3]) { Sampler.applyLogitBias($0, [0: 5, 2: -100]) }
        #expect(out[0] == 6)
        #expect(out[1] == 2)
        #expect(out[2] == -.infinity)
    }

    @Test func presenceAndFrequencyPenaltiesFollowOpenAIsFormula() {
        // logit -= count * frequency + (count > 0) * presence
        let out = withLogits([5, 5, 5]) { Sampler.applyPenalties($0, counts: [0: 3, 1: 1], presence: 0.5, frequency: 0.25) }
        #expect(out == [5 - 0.75 - 0.5, 5 - 0.25 - 0.5, 5])
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        let out = withLogits([2, -2, 2]) { Sampler.applyRepetitionPenalty($0, seen: [0, 1], penalty: 2) }
        #expect(out == [1, -4, 2])
    }

    @Test func temperatureZeroIsArgmax() {
        var sampler = Sampler(parameters: { var p = SamplingParameters(); p.temperature = 0; return p }(), promptTokens: [])
        var logits: [Float] = [0.1, 3, 2.9, -1]
        #expect(logits.withUnsafeMutableBufferPointer { sampler.next($0) } == 1)
    }

    @Test func candidatesAreASortedDistribution() {
        var logits: [Float] = [0, 1, 2]
        let candidates = logits.withUnsafeMutableBufferPointer { Sampler.candidates($0, temperature: 1) }
        #expect(candidates.map(\.token) == [2, 1, 0])
        #expect(abs(candidates.reduce(0) { $0 + $1.probability } - 1) < 1e-6)
        #expect(abs(candidates[0].probability - 0.66524) < 1e-4)
    }

    @Test func topKTopPAndMinPCut() {
        let base = [Sampler.Candidate(token: 0, probability: 0.5), .init(token: 1, probability: 0.3), .init(token: 2, probability: 0.15), .init(token: 3, probability: 0.05)]
        var k = base
        Sampler.keepTopK(&k, 2)
        #expect(k.map(\.token) == [0, 1])
        #expect(abs(k[0].probability - 0.625) < 1e-6)
        var p = base
        Sampler.keepTopP(&p, 0.8)
        #expect(p.map(\.token) == [0, 1])
        var m = base
        Sampler.keepMinP(&m, 0.25)  // keep p >= 0.125
        #expect(m.map(\.token) == [0, 1, 2])
    }

    @Test func sameSeedSameTokensAndDifferentSeedsDiffer() {
        func run(_ seed: UInt64) -> [Int] {
            var parameters = SamplingParameters()
            parameters.temperature = 1.5
            parameters.seed = seed
            var sampler = Sampler(parameters: parameters, promptTokens: [])
            return (0..<64).map { _ in
                var logits: [Float] = (0..<50).map { Float($0 % 7) * 0.3 }
                return logits.withUnsafeMutableBufferPointer { sampler.next($0) }
            }
        }
        #expect(run(42) == run(42))
        #expect(run(42) != run(43))
    }

    @Test func drawsFollowTheDistribution() {
        var parameters = SamplingParameters()
        parameters.seed = 7
        var sampler = Sampler(parameters: parameters, promptTokens: [])
        var counts = [0, 0]
        for _ in 0..<4000 {
            var logits: [Float] = [0, Float(log(3.0))]  // probabilities 1/4 and 3/4
            counts[logits.withUnsafeMutableBufferPointer { sampler.next($0) }] += 1
        }
        #expect(abs(Double(counts[1]) / 4000 - 0.75) < 0.03)
    }
}

@Suite("Stop strings across token boundaries")
struct StopMatcherTests {
    @Test func stopSplitAcrossTokensIsFoundAndNeverLeaked() {
        var matcher = StopMatcher(stops: ["\n\nUser:"])
        var released = ""
        for piece in ["Hello", " there", "\n", "\nUs", "er", ":", " more"] {
            switch matcher.append(piece) {
            case .text(let text):
                released += text
                #expect(!released.contains("\n\n"), "released a prefix of the stop: \(released.debugDescription)")
            case .stopped(let text):
                released += text
                #expect(released == "Hello there")
                return
            }
        }
        Issue.record("the stop string was not found")
    }

    @Test func heldTextIsReleasedWhenItStopsMatching() {
        var matcher = StopMatcher(stops: ["END"])
        #expect(matcher.append("abc E") == .text("abc "))
        #expect(matcher.append("N") == .text(""))
        #expect(matcher.append("x") == .text("ENx"))
        #expect(matcher.append("EN") == .text(""))
        #expect(matcher.flush() == "EN")
    }

    @Test func earliestOfSeveralStopsWins() {
        var matcher = StopMatcher(stops: ["world", "lo w"])
        #expect(matcher.append("hello world") == .stopped("hel"))
    }

    @Test func noStopsPassEverything() {
        var matcher = StopMatcher(stops: [])
        #expect(matcher.append("anything") == .text("anything"))
    }
}
