import Foundation
import TOMLKit

/// Reads the keys of one TOML table with type checks, remembering which keys were read so
/// that `finish()` can reject the rest: an unknown key is almost always a typo.
struct TableReader {
    let table: TOMLTable
    /// Dotted path of this table (`api.models.chat`), empty for the root.
    let path: String
    let file: String
    private var consumed: Set<String> = []

    init(table: TOMLTable, path: String, file: String) {
        self.table = table
        self.path = path
        self.file = file
    }

    func error(_ key: String, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, key: path.isEmpty ? key : "\(path).\(key)", message: message)
    }

    private mutating func value(_ key: String) -> (any TOMLValueConvertible)? {
        consumed.insert(key)
        return table[key]
    }

    private func mismatch(_ key: String, expected: String, found: any TOMLValueConvertible) -> ConfigurationError {
        error(key, "expected \(expected), found \(Self.describe(found))")
    }

    static func describe(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a float"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        default: "a date or time"
        }
    }

    mutating func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let result = value.bool else { throw mismatch(key, expected: "a boolean (true or false)", found: value) }
        return result
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = value(key) else { return nil }
        guard let result = value.string else { throw mismatch(key, expected: "a string", found: value) }
        return result
    }

    mutating func int(_ key: String, atLeast minimum: Int) throws(ConfigurationError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let result = value.int else { throw mismatch(key, expected: "an integer", found: value) }
        guard result >= minimum else { throw error(key, "\(result) is below the minimum of \(minimum)") }
        return result
    }

    /// A float; an integer is accepted too (`default_temperature = 1`).
    mutating func number(_ key: String) throws(ConfigurationError) -> Double? {
        guard let value = value(key) else { return nil }
        if let result = value.double {
            guard result.isFinite else { throw error(key, "must be a finite number") }
            return result
        }
        if let result = value.int { return Double(result) }
        throw mismatch(key, expected: "a number", found: value)
    }

    mutating func strings(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { throw mismatch(key, expected: "an array of strings", found: value) }
        var result: [String] = []
        for index in array.indices {
            let element = array[index]
            guard let text = element.string else {
                throw error("\(key)[\(index)]", "expected a string, found \(Self.describe(element))")
            }
            result.append(text)
        }
        return result
    }

    mutating func table(_ key: String) throws(ConfigurationError) -> TOMLTable? {
        guard let value = value(key) else { return nil }
        guard let result = value.table else { throw mismatch(key, expected: "a table", found: value) }
        return result
    }

    /// Rejects every key that was not read, suggesting the closest known one.
    func finish() throws(ConfigurationError) {
        KnownKeys.current?.record(path, consumed)
        for key in table.keys.sorted() where !consumed.contains(key) {
            var message = "unknown key"
            if let suggestion = Self.closest(to: key, in: consumed) { message += " (did you mean '\(suggestion)'?)" }
            throw error(key, message)
        }
    }

    static func closest(to key: String, in candidates: Set<String>) -> String? {
        let scored = candidates.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= max(2, key.count / 3) }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// The keys the loader knows, table by table, as it reads a file: set as a task-local while a
/// configuration is parsed, it lets a test compare them with Docs/Configuration.md (a key the
/// loader reads is a key it knows, whether or not the file has it).
package final class KnownKeys: @unchecked Sendable {
    // @unchecked: `tables` is only touched under `lock`.
    @TaskLocal package static var current: KnownKeys?
    private let lock = NSLock()
    private var tables: [String: Set<String>] = [:]

    package init() {}

    func record(_ path: String, _ keys: Set<String>) {
        lock.withLock { tables[path, default: []].formUnion(keys) }
    }

    /// Table path (`api`, `api.models.chat`, `runtime`, empty for the root) → keys read.
    package var byTable: [String: Set<String>] { lock.withLock { tables } }
}
