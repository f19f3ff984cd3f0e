/// Dequantization of GGUF blocks to f32, one row (a whole number of blocks) at a time.
/// Follows the reference (non-SIMD) routines of ggml-quants.c
/// (https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c); checked against the
/// `gguf` Python package by `Scripts/make-quant-fixtures.py`.
package enum Dequantize {
    /// Writes `count` floats decoded from `source` (which holds `type.byteCount(elements: count)` bytes).
    /// `count` must be a whole number of blocks; callers guarantee it (the GGUF reader checks rows).
    package static func row(
        _ type: TensorType, from source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        let blocks = count / type.blockSize
        switch type {
        case .f32:
            destination.update(from: source.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { destination[i] = Float(half(source, i * 2)) }
        case .bf16:
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16)
            }
        case .q4_0:
            for b in 0..<blocks { q4_0(source + b * 18, destination + b * 32) }
        case .q4_1:
            for b in 0..<blocks { q4_1(source + b * 20, destination + b * 32) }
        case .q5_0:
            for b in 0..<blocks { q5_0(source + b * 22, destination + b * 32) }
        case .q5_1:
            for b in 0..<blocks { q5_1(source + b * 24, destination + b * 32) }
        case .q8_0:
            for b in 0..<blocks { q8_0(source + b * 34, destination + b * 32) }
        case .q4_K:
            for b in 0..<blocks { q4_K(source + b * 144, destination + b * 256) }
        case .q5_K:
            for b in 0..<blocks { q5_K(source + b * 176, destination + b * 256) }
        case .q6_K:
            for b in 0..<blocks { q6_K(source + b * 210, destination + b * 256) }
        case .q8_1, .q2_K, .q3_K, .q8_K:
            // Unsupported types are refused when a model is loaded; never reached.
            destination.update(repeating: 0, count: count)
        }
    }

    @inline(__always)
    static func half(_ base: UnsafeRawPointer, _ offset: Int) -> Float16 {
        Float16(bitPattern: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    static func byte(_ base: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        base.load(fromByteOffset: offset, as: UInt8.self)
    }

    static func q4_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Float(half(block, 0))
        for j in 0..<16 {
            let q = byte(block, 2 + j)
            y[j] = Float(Int(q & 0x0F) - 8) * d
            y[j + 16] = Float(Int(q >> 4) - 8) * d
        }
    }

    static func q4_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Float(half(block, 0)), m = Float(half(block, 2))
        for j in 0..<16 {
            let q = byte(block, 4 + j)
            y[j] = Float(q & 0x0F) * d + m
            y[j + 16] = Float(q >> 4) * d + m
        }
    }

    static func q5_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Float(half(block, 0))
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<16 {
            let q = byte(block, 6 + j)
            let high0 = UInt8(((qh >> UInt32(j)) << 4) & 0x10)
            let high1 = UInt8((qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float(Int((q & 0x0F) | high0) - 16) * d
            y[j + 16] = Float(Int((q >> 4) | high1) - 16) * d
        }
    }

    static func q5_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Float(half(block, 0)), m = Float(half(block, 2))
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for j in 0..<16 {
            let q = byte(block, 8 + j)
            let high0 = UInt8(((qh >> UInt32(j)) << 4) & 0x10)
            let high1 = UInt8((qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float((q & 0x0F) | high0) * d + m
            y[j + 16] = Float((q >> 4) | high1) * d + m
        }
    }

    static func q8_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Float(half(block, 0))
        for j in 0..<32 { y[j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) packed in K-quant `scales[12]`.
    @inline(__always)
    static func scaleMin(_ scales: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        if j < 4 {
            return (Float(byte(scales, j) & 63), Float(byte(scales, j + 4) & 63))
        }
        let scale = (byte(scales, j + 4) & 0x0F) | ((byte(scales, j - 4) >> 6) << 4)
        let min = (byte(scales, j + 4) >> 4) | ((byte(scales, j) >> 6) << 4)
        return (Float(scale), Float(min))
    }

    static func q4_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Float(half(block, 0)), dmin = Float(half(block, 2))
        let scales = block + 4
        let qs = block + 16
        for chunk in 0..<4 {  // 64 values per chunk: two sub-blocks of 32
            let (s1, m1) = scaleMin(scales, 2 * chunk)
            let (s2, m2) = scaleMin(scales, 2 * chunk + 1)
            let q = qs + 32 * chunk
            let out = y + 64 * chunk
            for l in 0..<32 {
                let value = byte(q, l)
                out[l] = d * s1 * Float(value & 0x0F) - dmin * m1
                out[l + 32] = d * s2 * Float(value >> 4) - dmin * m2
            }
        }
    }

    static func q5_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Float(half(block, 0)), dmin = Float(half(block, 2))
        let scales = block + 4
        let qh = block + 16
        let qs = block + 48
        for chunk in 0..<4 {
            let (s1, m1) = scaleMin(scales, 2 * chunk)
            let (s2, m2) = scaleMin(scales, 2 * chunk + 1)
            let low = qs + 32 * chunk
            let bit1 = UInt8(1) << UInt8(2 * chunk), bit2 = UInt8(2) << UInt8(2 * chunk)
            let out = y + 64 * chunk
            for l in 0..<32 {
                let value = byte(low, l), high = byte(qh, l)
                out[l] = d * s1 * Float((value & 0x0F) + (high & bit1 != 0 ? 16 : 0)) - dmin * m1
                out[l + 32] = d * s2 * Float((value >> 4) + (high & bit2 != 0 ? 16 : 0)) - dmin * m2
            }
        }
    }

    static func q6_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Float(half(block, 208))
        for half in 0..<2 {  // 128 values per half
            let ql = block + 64 * half
            let qh = block + 128 + 32 * half
            let scales = block + 192 + 8 * half
            let out = y + 128 * half
            for l in 0..<32 {
                let scaleIndex = l / 16
                let low0 = byte(ql, l), low32 = byte(ql, l + 32), high = byte(qh, l)
                let q1 = Int((low0 & 0x0F) | ((high & 3) << 4)) - 32
                let q2 = Int((low32 & 0x0F) | (((high >> 2) & 3) << 4)) - 32
                let q3 = Int((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
                let q4 = Int((low32 >> 4) | (((high >> 6) & 3) << 4)) - 32
                func scale(_ i: Int) -> Float { Float(scales.load(fromByteOffset: i, as: Int8.self)) }
                out[l] = d * scale(scaleIndex) * Float(q1)
                out[l + 32] = d * scale(scaleIndex + 2) * Float(q2)
                out[l + 64] = d * scale(scaleIndex + 4) * Float(q3)
                out[l + 96] = d * scale(scaleIndex + 6) * Float(q4)
            }
        }
    }
}
