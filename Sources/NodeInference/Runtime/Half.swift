#if CYXWIZ_AVX2
import _Builtin_intrinsics.intel
#endif

/// IEEE half-precision (binary16) storage for the KV cache, as bit patterns (`UInt16`), eight
/// at a time. Written with integer operations on Swift's SIMD types so that every build has
/// it, without `Float16` (unavailable on some platforms) or a conversion instruction; builds
/// with the `AVX2` trait widen with F16C's `vcvtph2ps` instead, which gives the same bits
/// (both conversions are exact).
package enum Half {
    /// The largest finite half, 65504: larger magnitudes are stored as it (see ``narrow(_:)-swift.type.method``).
    package static let greatestFinite: Float = 65504

    /// `x` rounded to the nearest half (ties to even), as IEEE conversion does, except that
    /// magnitudes beyond 65504 saturate to ±65504 rather than become infinite: a key or value
    /// that large is stored as large as a half can be, not as an infinity that would turn the
    /// scores into NaN. NaN stays NaN.
    @inline(__always)
    package static func narrow(_ x: SIMD8<Float>) -> SIMD8<UInt16> {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        let sign = bits & Int32(bitPattern: 0x8000_0000)
        let magnitude = bits & 0x7FFF_FFFF
        let clamped = select(greater(magnitude, 0x477F_E000), SIMD8(repeating: 0x477F_E000), magnitude)  // 65504
        // Normal halves: rebias the exponent (-112 << 23) and round the 13 dropped bits to
        // nearest, ties to the even result.
        let odd = (clamped &>> 13) & 1
        let normal = (clamped &+ Int32(bitPattern: 0xC800_0FFF) &+ odd) &>> 13
        // Below 2^-14, subnormal halves: adding 0.5 lets the float adder round the bits away
        // (its unit there is the half's 2^-24), leaving the half's bits at the bottom.
        let magic = SIMD8<Int32>(repeating: 0x3F00_0000)
        let subnormal = unsafeBitCast(
            unsafeBitCast(clamped, to: SIMD8<Float>.self) + unsafeBitCast(magic, to: SIMD8<Float>.self), to: SIMD8<Int32>.self) &- magic
        var half = select(greater(clamped, 0x387F_FFFF), normal, subnormal)
        half = select(greater(magnitude, 0x7F80_0000), SIMD8(repeating: 0x7E00), half)  // NaN
        let result = half | sign &>> 16
        // Lane by lane rather than the generic `init(truncatingIfNeeded:)`, whose calls (in
        // this or other files of the module) the optimizer does not always inline.
        return SIMD8<UInt16>(
            UInt16(truncatingIfNeeded: result[0]), UInt16(truncatingIfNeeded: result[1]), UInt16(truncatingIfNeeded: result[2]),
            UInt16(truncatingIfNeeded: result[3]), UInt16(truncatingIfNeeded: result[4]), UInt16(truncatingIfNeeded: result[5]),
            UInt16(truncatingIfNeeded: result[6]), UInt16(truncatingIfNeeded: result[7]))
    }

    /// All ones in the lanes of `x` (each in 0..<2^31) above `limit`, zero elsewhere.
    /// Arithmetic rather than Swift's SIMD comparisons, which the optimizer sometimes leaves
    /// as a loop over the lanes through memory (it did here, inlined in ``narrow(_:count:into:)``).
    @inline(__always)
    static func greater(_ x: SIMD8<Int32>, _ limit: Int32) -> SIMD8<Int32> {
        (SIMD8(repeating: limit) &- x) &>> 31
    }

    /// `a` where `mask` is all ones, `b` where it is zero.
    @inline(__always)
    static func select(_ mask: SIMD8<Int32>, _ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        (a & mask) | (b & ~mask)
    }

    /// The floats of eight halves (exact).
    @inline(__always)
    package static func widen(_ halves: SIMD8<UInt16>) -> SIMD8<Float> {
        #if CYXWIZ_AVX2
        return _mm256_cvtph_ps(unsafeBitCast(halves, to: __m128i.self))
        #else
        let bits = SIMD8<Int32>(
            Int32(halves[0]), Int32(halves[1]), Int32(halves[2]), Int32(halves[3]),
            Int32(halves[4]), Int32(halves[5]), Int32(halves[6]), Int32(halves[7]))
        let magnitude = (bits & 0x7FFF) &<< 13
        // The half's exponent and fraction in a float's fields: multiplying by 2^112 rebiases the
        // exponent, and turns a half subnormal (a float subnormal here) into the normal float.
        let scaled = unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<Float>.self) * 0x1p112, to: SIMD8<Int32>.self)
        let result = select(greater(bits & 0x7C00, 0x7BFF), magnitude | 0x7F80_0000, scaled)  // infinities, NaN
        return unsafeBitCast(result | (bits & 0x8000) &<< 16, to: SIMD8<Float>.self)
        #endif
    }

    /// Eight halves from `source` (any alignment), as floats.
    @inline(__always)
    package static func load(_ source: UnsafeRawPointer, byteOffset: Int = 0) -> SIMD8<Float> {
        widen(source.loadUnaligned(fromByteOffset: byteOffset, as: SIMD8<UInt16>.self))
    }

    /// `count` floats stored as halves.
    package static func narrow(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutablePointer<UInt16>) {
        var i = 0
        while i + 8 <= count {
            let halves = narrow(UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self))
            UnsafeMutableRawPointer(destination + i).storeBytes(of: halves, as: SIMD8<UInt16>.self)
            i += 8
        }
        if i < count {
            var rest = SIMD8<Float>()
            for j in 0..<(count - i) { rest[j] = source[i + j] }
            let halves = narrow(rest)
            for j in 0..<(count - i) { destination[i + j] = halves[j] }
        }
    }

    /// `count` halves as floats.
    package static func widen(_ source: UnsafePointer<UInt16>, count: Int, into destination: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(destination + i).storeBytes(of: load(source + i), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var rest = SIMD8<UInt16>()
            for j in 0..<(count - i) { rest[j] = source[i + j] }
            let floats = widen(rest)
            for j in 0..<(count - i) { destination[i + j] = floats[j] }
        }
    }
}
