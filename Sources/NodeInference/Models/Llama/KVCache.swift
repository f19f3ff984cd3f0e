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

/// The keys and values of one sequence, per layer and key/value head, `(heads, capacity,
/// headDimension)` each: a head's positions lie together, so decoding attention streams them
/// from memory in one run (a sequence's cache is read anew from DRAM every step once several
/// sequences decode together; with positions first, a head's keys were 256-byte pieces 768
/// bytes apart). Storage grows in blocks as the sequence grows, rather than `context_length`
/// up front.
package final class KVCache {
    package let layerCount: Int
    package let kvDimension: Int
    /// Key/value heads, and floats per head (`kvDimension / heads`).
    package let heads: Int
    package let headDimension: Int
    package let maxPositions: Int
    package private(set) var capacity = 0
    /// Positions filled so far.
    package var count = 0
    private var keys: [UnsafeMutablePointer<Float>] = []
    private var values: [UnsafeMutablePointer<Float>] = []

    /// Growth step, in positions.
    package static let block = 256

    /// Where allocations are reported, if anywhere.
    let usage: KVCacheUsage?

    /// `heads` divides `kvDimension` (the model's configuration checks it; 1 otherwise).
    package init(layerCount: Int, kvDimension: Int, heads: Int = 1, maxPositions: Int, usage: KVCacheUsage? = nil) {
        self.layerCount = layerCount
        self.kvDimension = kvDimension
        self.heads = heads > 0 && kvDimension % heads == 0 ? heads : 1
        self.headDimension = kvDimension / self.heads
        self.maxPositions = maxPositions
        self.usage = usage
    }

    deinit {
        for pointer in keys + values { pointer.deallocate() }
        usage?.add(bytes: -byteCount, positions: -capacity)
    }

    /// Bytes held, for accounting.
    package var byteCount: Int { 2 * layerCount * capacity * kvDimension * MemoryLayout<Float>.size }

    /// Makes room for `positions` positions in total.
    package func reserve(_ positions: Int) {
        guard positions > capacity else { return }
        let newCapacity = min(maxPositions, (positions + Self.block - 1) / Self.block * Self.block)
        for layer in 0..<layerCount {
            let newKeys = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * kvDimension)
            let newValues = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * kvDimension)
            if capacity > 0 {
                for head in 0..<heads {
                    (newKeys + head * newCapacity * headDimension).update(from: keys[layer] + head * capacity * headDimension, count: count * headDimension)
                    (newValues + head * newCapacity * headDimension).update(from: values[layer] + head * capacity * headDimension, count: count * headDimension)
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
        usage?.add(bytes: 2 * layerCount * (newCapacity - capacity) * kvDimension * MemoryLayout<Float>.size, positions: newCapacity - capacity)
        capacity = newCapacity
    }

    /// An independent copy of the first `positions` positions (all by default): for several
    /// choices from one prompt evaluation, and for the prefix cache.
    package func copy(positions: Int? = nil) -> KVCache {
        let kept = min(count, max(0, positions ?? count))
        let other = KVCache(layerCount: layerCount, kvDimension: kvDimension, heads: heads, maxPositions: maxPositions, usage: usage)
        other.reserve(max(kept, 1))
        for layer in 0..<layerCount where kept > 0 {
            for head in 0..<heads {
                other.keys(layer: layer, head: head).update(from: keys(layer: layer, head: head), count: kept * headDimension)
                other.values(layer: layer, head: head).update(from: values(layer: layer, head: head), count: kept * headDimension)
            }
        }
        other.count = kept
        return other
    }

    /// Drops positions from `position` on (a rewound or reused prefix).
    package func truncate(to position: Int) {
        count = max(0, min(count, position))
    }

    /// Head `head`'s keys in `layer`: `capacity` rows of `headDimension` floats, one per position.
    @inline(__always)
    package func keys(layer: Int, head: Int) -> UnsafeMutablePointer<Float> { keys[layer] + head * capacity * headDimension }

    /// Head `head`'s values in `layer`, laid out as ``keys(layer:head:)``.
    @inline(__always)
    package func values(layer: Int, head: Int) -> UnsafeMutablePointer<Float> { values[layer] + head * capacity * headDimension }

    /// Stores the keys and values of one position (`kvDimension` floats each, heads in order).
    @inline(__always)
    package func store(layer: Int, position: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>) {
        for head in 0..<heads {
            (keys(layer: layer, head: head) + position * headDimension).update(from: k + head * headDimension, count: headDimension)
            (values(layer: layer, head: head) + position * headDimension).update(from: v + head * headDimension, count: headDimension)
        }
    }
}
