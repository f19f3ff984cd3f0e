import Foundation
import NodeInference
import Testing

/// The f16 KV cache: its conversions against Swift's `Float16` (IEEE), attention over halves
/// against attention over the same values as floats, and the cache's own bookkeeping.
@Suite("Half-precision KV cache")
struct HalfCacheTests {
    /// Every one of the 65536 halves widens to the float `Float16` gives (NaNs to NaN).
    @Test func everyHalfWidensExactly() {
        var mismatches = 0
        for first in stride(from: 0, to: 65536, by: 8) {
            var halves = SIMD8<UInt16>()
            for lane in 0..<8 { halves[lane] = UInt16(first + lane) }
            let floats = Half.widen(halves)
            for lane in 0..<8 {
                let expected = Float(Float16(bitPattern: halves[lane]))
                let same = expected.isNaN ? floats[lane].isNaN : floats[lane].bitPattern == expected.bitPattern
                if !same { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    /// Narrowing rounds to nearest, ties to even, as `Float16(_:)` does, over normal and
    /// subnormal halves, exact ties, zeros of both signs and values that round up into the
    /// next binade; beyond 65504 it saturates instead of overflowing; NaN stays NaN.
    @Test func narrowingRoundsAsIEEEAndSaturates() {
        var generator = SplitMix(seed: 16)
        var values: [Float] = [0, -0, 1, -1, 0.5, 65504, -65504, 65519.99, 6.1035156e-05, 5.9604645e-08, 2.9802322e-08, 2.98023259e-08, 1e-10]
        // Every tie between two neighbouring halves, and the points just beside it.
        for bits in stride(from: UInt16(0), to: 0x7BFF, by: 37) {
            let low = Float(Float16(bitPattern: bits)), high = Float(Float16(bitPattern: bits + 1))
            let tie = (low + high) / 2
            values += [tie, tie.nextUp, tie.nextDown, -tie]
        }
        for _ in 0..<20_000 {
            let exponent = Float(Int(generator.next() % 40) - 26)
            values.append(generator.float() * Float(pow(2.0, Double(exponent))))
        }
        var mismatches: [Float] = []
        for first in stride(from: 0, to: values.count, by: 8) {
            var lanes = SIMD8<Float>()
            for lane in 0..<8 where first + lane < values.count { lanes[lane] = values[first + lane] }
            let halves = Half.narrow(lanes)
            for lane in 0..<8 where first + lane < values.count && halves[lane] != Float16(lanes[lane]).bitPattern {
                mismatches.append(lanes[lane])
            }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
        let extremes = Half.narrow(SIMD8<Float>(65520, -65520, 1e30, -.infinity, .infinity, .nan, 70000, -1e9))
        for lane in 0..<8 where lane != 5 {
            #expect(Float(Float16(bitPattern: extremes[lane])).magnitude == Half.greatestFinite, "lane \(lane)")
        }
        #expect(Float16(bitPattern: extremes[5]).isNaN)
        #expect(Float16(bitPattern: extremes[1]).sign == .minus && Float16(bitPattern: extremes[0]).sign == .plus)
    }

    /// The buffer forms, with lengths that are not multiples of eight.
    @Test func buffersRoundTrip() {
        var generator = SplitMix(seed: 17)
        for count in [0, 1, 7, 8, 9, 64, 71] {
            let floats = (0..<count).map { _ in generator.float() * 100 }
            var halves = [UInt16](repeating: 0, count: count)
            var back = [Float](repeating: .nan, count: count)
            Half.narrow(floats, count: count, into: &halves)
            Half.widen(halves, count: count, into: &back)
            #expect(back == floats.map { Float(Float16($0)) }, "count \(count)")
        }
    }

    /// Decoding attention over an f16 cache gives the same bits as over floats holding the
    /// halves' values: the kernels differ only in how they load. Groups of 1–4 heads, head
    /// sizes with and without a 16-column tail.
    @Test(arguments: [1, 2, 3, 4])
    func attentionOverHalvesIsAttentionOverTheirValues(heads: Int) {
        var generator = SplitMix(seed: UInt64(heads) &+ 160)
        for (dimension, positions) in [(64, 1), (64, 2), (64, 7), (64, 190), (24, 9), (8, 33)] {
            let queries = (0..<heads * dimension).map { _ in generator.float() }
            let keys = (0..<positions * dimension).map { _ in generator.float() * 4 }
            let values = (0..<positions * dimension).map { _ in generator.float() }
            var halfKeys = [UInt16](repeating: 0, count: keys.count), halfValues = [UInt16](repeating: 0, count: values.count)
            Half.narrow(keys, count: keys.count, into: &halfKeys)
            Half.narrow(values, count: values.count, into: &halfValues)
            let roundedKeys = halfKeys.map { Float(Float16(bitPattern: $0)) }, roundedValues = halfValues.map { Float(Float16(bitPattern: $0)) }
            let scale = 1 / Float(dimension).squareRoot()
            var scores = [Float](repeating: .nan, count: heads * positions)
            var fromHalves = [Float](repeating: .nan, count: heads * dimension)
            var fromFloats = [Float](repeating: .nan, count: heads * dimension)
            Kernels.attentionGroup(
                queries: queries, heads: heads, keys: halfKeys, values: halfValues, stride: dimension, positions: positions,
                dimension: dimension, scale: scale, scores: &scores, into: &fromHalves)
            Kernels.attentionGroup(
                queries: queries, heads: heads, keys: roundedKeys, values: roundedValues, stride: dimension, positions: positions,
                dimension: dimension, scale: scale, scores: &scores, into: &fromFloats)
            #expect(fromHalves == fromFloats, "dimension \(dimension), positions \(positions)")
        }
    }

    /// An f16 cache stores rounded keys and values, keeps them through growth and copies,
    /// reads them back as floats, and counts two bytes per element.
    @Test func cacheKeepsHalvesThroughGrowthAndCopies() {
        var generator = SplitMix(seed: 18)
        let layers = 2, heads = 2, headDimension = 8, kvDimension = heads * headDimension
        let usage = KVCacheUsage()
        let cache = KVCache(layerCount: layers, kvDimension: kvDimension, heads: heads, maxPositions: 1000, type: .f16, usage: usage)
        let positions = KVCache.block + 3  // past the first block: one growth
        var stored: [[Float]] = []  // per (layer, position): keys then values
        for position in 0..<positions {
            cache.reserve(position + 1)
            for layer in 0..<layers {
                let keys = (0..<kvDimension).map { _ in generator.float() }, values = (0..<kvDimension).map { _ in generator.float() }
                cache.store(layer: layer, position: position, keys: keys, values: values)
                stored.append(keys + values)
            }
            cache.count = position + 1
        }
        #expect(cache.byteCount == 2 * layers * cache.capacity * kvDimension * 2)
        #expect(usage.allocatedBytes == cache.byteCount)
        let copy = cache.copy(positions: positions - 1)
        for (label, checked, count) in [("cache", cache, positions), ("copy", copy, positions - 1)] {
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * count * headDimension)
            defer { scratch.deallocate() }
            for layer in 0..<layers {
                for head in 0..<heads {
                    let (keys, values) = checked.floats(layer: layer, head: head, positions: count, scratch: scratch)
                    for position in 0..<count {
                        let expected = stored[position * layers + layer]
                        for i in 0..<headDimension {
                            #expect(keys[position * headDimension + i] == Float(Float16(expected[head * headDimension + i])), "\(label)")
                            #expect(values[position * headDimension + i] == Float(Float16(expected[kvDimension + head * headDimension + i])), "\(label)")
                        }
                    }
                }
            }
        }
    }
}
