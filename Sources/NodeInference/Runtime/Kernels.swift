import Foundation

/// Small vector kernels of the forward pass, over raw pointers (no allocation).
package enum Kernels {
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            accumulator.addProduct(x, y)
            i += 8
        }
        var sum = accumulator.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// `y = x / rms(x) * weight`, over `count` elements.
    package static func rmsNorm(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        count: Int, epsilon: Float
    ) {
        let meanSquare = dot(x, x, count: count) / Float(count)
        let scale = 1 / (meanSquare + epsilon).squareRoot()
        for i in 0..<count { y[i] = x[i] * scale * weight[i] }
    }

    /// In-place softmax over `count` elements.
    package static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var maximum = x[0]
        for i in 1..<count where x[i] > maximum { maximum = x[i] }
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(x[i] - maximum)
            x[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<count { x[i] *= inverse }
    }

    /// `y += a * x`.
    @inline(__always)
    package static func addScaled(_ x: UnsafePointer<Float>, _ a: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        let scale = SIMD8<Float>(repeating: a)
        var i = 0
        while i + 8 <= count {
            var accumulator = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            accumulator.addProduct(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self), scale)
            UnsafeMutableRawPointer(y + i).storeBytes(of: accumulator, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// SwiGLU: `gate = silu(gate) * up`.
    package static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// `y = (x - mean) / sqrt(variance + epsilon) * weight + bias`, in place.
    package static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, count: Int, epsilon: Float
    ) {
        var sum: Float = 0
        for i in 0..<count { sum += x[i] }
        let mean = sum / Float(count)
        var squares: Float = 0
        for i in 0..<count {
            let d = x[i] - mean
            squares += d * d
        }
        let scale = 1 / (squares / Float(count) + epsilon).squareRoot()
        for i in 0..<count { x[i] = (x[i] - mean) * scale * weight[i] + bias[i] }
    }

    /// GELU with the exact error function (BERT's `gelu`), in place.
    package static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.70710678118654752)) }
    }
}
