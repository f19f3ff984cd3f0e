import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file mapped read-only into memory. Weights are read straight from the mapping, so a
/// quantized model costs its file size once, shared by every model id that names the file.
package final class MappedFile: Sendable {
    package let path: String
    /// Never written: the mapping is `PROT_READ`.
    nonisolated(unsafe) private let base: UnsafeRawPointer?
    package let count: Int

    package enum Failure: Error, CustomStringConvertible, Equatable {
        case cannotOpen(String, errno: Int32)
        case cannotMap(String, errno: Int32)
        case notAFile(String)

        package var description: String {
            switch self {
            case .cannotOpen(let path, let code): "cannot open '\(path)': \(String(cString: strerror(code)))"
            case .cannotMap(let path, let code): "cannot map '\(path)' into memory: \(String(cString: strerror(code)))"
            case .notAFile(let path): "'\(path)' is not a regular file"
            }
        }
    }

    package init(path: String) throws(Failure) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .cannotOpen(path, errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotOpen(path, errno: errno) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notAFile(path) }
        count = Int(status.st_size)
        if count == 0 {
            base = nil
            return
        }
        guard let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw .cannotMap(path, errno: errno)
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    package var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    /// Drops this process's resident pages wholly inside `range` (bytes of this mapping that
    /// will not be read again, e.g. weights copied into ``PackedPanels``), so they stop
    /// counting in its resident memory. Reading them later is still correct: the pages come
    /// back from the file. A range outside the mapping is ignored.
    package func release(_ range: UnsafeRawBufferPointer) {
        guard let base, let start = range.baseAddress, start >= base, start + range.count <= base + count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start) + range.count) / page * page
        guard end > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, end - first, MADV_DONTNEED)
    }
}
