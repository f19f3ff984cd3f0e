import Synchronization

/// What the KV caches of one model hold at this moment, summed over its live sequences.
public final class KVCacheUsage: Sendable {
    private let bytes = Atomic<Int>(0)
    private let positions = Atomic<Int>(0)

    /// An empty `KVCacheUsage` (every field at its default).
    public init() {}

    /// Bytes allocated for keys and values.
    public var allocatedBytes: Int { bytes.load(ordering: .relaxed) }
    /// Positions (tokens) those caches have room for.
    public var allocatedPositions: Int { positions.load(ordering: .relaxed) }

    func add(bytes delta: Int, positions deltaPositions: Int) {
        bytes.add(delta, ordering: .relaxed)
        positions.add(deltaPositions, ordering: .relaxed)
    }
}

/// How a KV cache stores keys and values (`[runtime] kv_cache`).
public enum KVCacheType: String, Sendable, CaseIterable {
    /// IEEE half precision, as llama.cpp's default cache: half the memory, and half the bytes
    /// that decoding attention reads from memory every step. Keys and values are rounded to
    /// 11 significant bits (relative error below 2⁻¹¹), magnitudes beyond 65504 saturate.
    case f16
    /// Single precision: the keys and values exactly as computed.
    case f32

    /// Bytes per stored element.
    public var elementSize: Int { self == .f16 ? 2 : 4 }

    /// The type that goes with a product precision when none is configured: f16 with the
    /// quantized products, f32 with `f32` precision (whose logits stay within 2e-6 of a
    /// float64 reference).
    public static func defaultType(for precision: MatmulPrecision) -> KVCacheType {
        precision == .float32 ? .f32 : .f16
    }
}

/// The keys and values of one sequence, per layer and key/value head, `(heads, capacity,
/// headDimension)` each: a head's positions lie together, so decoding attention streams them
/// from memory in one run (a sequence's cache is read anew from DRAM every step once several
/// sequences decode together; with positions first, a head's keys were 256-byte pieces 768
/// bytes apart). Elements are floats or halves (``type``). Storage grows in blocks as the
/// sequence grows, rather than `context_length` up front.
package final class KVCache {
    package let layerCount: Int
    package let kvDimension: Int
    /// Key/value heads, and elements per head (`kvDimension / heads`).
    package let heads: Int
    package let headDimension: Int
    package let maxPositions: Int
    package let type: KVCacheType
    package private(set) var capacity = 0
    /// Positions filled so far.
    package var count = 0
    private var keys: [UnsafeMutableRawPointer] = []
    private var values: [UnsafeMutableRawPointer] = []

    /// Growth step, in positions.
    package static let block = 256

    /// Where allocations are reported, if anywhere.
    let usage: KVCacheUsage?

    /// `heads` divides `kvDimension` (the model's configuration checks it; 1 otherwise).
    package init(
        layerCount: Int, kvDimension: Int, heads: Int = 1, maxPositions: Int, type: KVCacheType = .f32, usage: KVCacheUsage? = nil
    ) {
        self.layerCount = layerCount
        self.kvDimension = kvDimension
        self.heads = heads > 0 && kvDimension % heads == 0 ? heads : 1
        self.headDimension = kvDimension / self.heads
        self.maxPositions = maxPositions
        self.type = type
        self.usage = usage
    }

    deinit {
        for pointer in keys + values { pointer.deallocate() }
        usage?.add(bytes: -byteCount, positions: -capacity)
    }

    /// Bytes held, for accounting.
    package var byteCount: Int { 2 * layerCount * capacity * kvDimension * type.elementSize }

    /// Makes room for `positions` positions in total.
    package func reserve(_ positions: Int) {
        guard positions > capacity else { return }
        let newCapacity = min(maxPositions, (positions + Self.block - 1) / Self.block * Self.block)
        let size = type.elementSize
        for layer in 0..<layerCount {
            let newKeys = UnsafeMutableRawPointer.allocate(byteCount: newCapacity * kvDimension * size, alignment: 64)
            let newValues = UnsafeMutableRawPointer.allocate(byteCount: newCapacity * kvDimension * size, alignment: 64)
            if capacity > 0 {
                for head in 0..<heads {
                    (newKeys + head * newCapacity * headDimension * size).copyMemory(
                        from: keys[layer] + head * capacity * headDimension * size, byteCount: count * headDimension * size)
                    (newValues + head * newCapacity * headDimension * size).copyMemory(
                        from: values[layer] + head * capacity * headDimension * size, byteCount: count * headDimension * size)
                }
                keys[layer].deallocate()
                values[layer].deallocate()
                keys[layer] = newKeys
                values[layer] = newValues
            } else {
                keys.append(newKeys)
                values.append(newValues)
            }
        }
        usage?.add(bytes: 2 * layerCount * (newCapacity - capacity) * kvDimension * size, positions: newCapacity - capacity)
        capacity = newCapacity
    }

    /// An independent copy of the first `positions` positions (all by default): for several
    /// choices from one prompt evaluation, and for the prefix cache.
    package func copy(positions: Int? = nil) -> KVCache {
        let kept = min(count, max(0, positions ?? count))
        let other = KVCache(layerCount: layerCount, kvDimension: kvDimension, heads: heads, maxPositions: maxPositions, type: type, usage: usage)
        other.reserve(max(kept, 1))
        let bytes = kept * headDimension * type.elementSize
        for layer in 0..<layerCount where kept > 0 {
            for head in 0..<heads {
                other.keys(layer: layer, head: head).copyMemory(from: keys(layer: layer, head: head), byteCount: bytes)
                other.values(layer: layer, head: head).copyMemory(from: values(layer: layer, head: head), byteCount: bytes)
            }
        }
        other.count = kept
        return other
    }

    /// Drops positions from `position` on (a rewound or reused prefix).
    package func truncate(to position: Int) {
        count = max(0, min(count, position))
    }

    /// Head `head`'s keys in `layer`: `capacity` rows of `headDimension` elements of ``type``,
    /// one per position.
    @inline(__always)
    package func keys(layer: Int, head: Int) -> UnsafeMutableRawPointer { keys[layer] + head * capacity * headDimension * type.elementSize }

    /// Head `head`'s values in `layer`, laid out as ``keys(layer:head:)``.
    @inline(__always)
    package func values(layer: Int, head: Int) -> UnsafeMutableRawPointer { values[layer] + head * capacity * headDimension * type.elementSize }

    /// Stores the keys and values of one position (`kvDimension` floats each, heads in order),
    /// rounded to halves in an f16 cache.
    @inline(__always)
    package func store(layer: Int, position: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>) {
        for head in 0..<heads {
            let offset = position * headDimension
            switch type {
            case .f32:
                (keys(layer: layer, head: head).assumingMemoryBound(to: Float.self) + offset).update(from: k + head * headDimension, count: headDimension)
                (values(layer: layer, head: head).assumingMemoryBound(to: Float.self) + offset).update(from: v + head * headDimension, count: headDimension)
            case .f16:
                Half.narrow(k + head * headDimension, count: headDimension, into: keys(layer: layer, head: head).assumingMemoryBound(to: UInt16.self) + offset)
                Half.narrow(v + head * headDimension, count: headDimension, into: values(layer: layer, head: head).assumingMemoryBound(to: UInt16.self) + offset)
            }
        }
    }

    /// Head `head`'s first `positions` keys and values in `layer` as floats: the cache itself
    /// in an f32 cache; in an f16 cache, widened into `scratch`, which holds `2 × positions ×
    /// headDimension` floats (keys, then values).
    package func floats(
        layer: Int, head: Int, positions: Int, scratch: UnsafeMutablePointer<Float>
    ) -> (keys: UnsafePointer<Float>, values: UnsafePointer<Float>) {
        switch type {
        case .f32:
            return (UnsafePointer(keys(layer: layer, head: head).assumingMemoryBound(to: Float.self)),
                    UnsafePointer(values(layer: layer, head: head).assumingMemoryBound(to: Float.self)))
        case .f16:
            let n = positions * headDimension
            Half.widen(keys(layer: layer, head: head).assumingMemoryBound(to: UInt16.self), count: n, into: scratch)
            Half.widen(values(layer: layer, head: head).assumingMemoryBound(to: UInt16.self), count: n, into: scratch + n)
            return (UnsafePointer(scratch), UnsafePointer(scratch + n))
        }
    }
}
