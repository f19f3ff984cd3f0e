import Foundation

/// Finds which number of a valid JSON body made decoding fail, for the one case where
/// Foundation gives no path: a number that does not fit an integer field (`1.5`, `1e30`).
/// Runs only on the error path, and tries a bounded number of candidates.
enum NumberDiagnosis {
    static let maxCandidates = 64
    /// Larger bodies get the generic message: re-decoding them per candidate would let one bad
    /// request cost many decodes.
    static let maxBodyBytes = 64 << 10

    enum Step { case key(String), index(Int) }

    static func locate<T: Decodable>(_ type: T.Type, in data: Data) -> RequestDecodingError? {
        guard data.count <= maxBodyBytes else {
            return (try? JSONDecoder().decode(JSONValue.self, from: data)) == nil ? nil : generic
        }
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        var candidates: [[Step]] = []
        collect(root, path: [], into: &candidates)
        for path in candidates.prefix(maxCandidates) {
            guard let patched = try? JSONEncoder().encode(replacing(root, at: path[...], with: .integer(0))) else { continue }
            do {
                _ = try JSONDecoder().decode(type, from: patched)
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                continue
            } catch {
                // Decoding got past this number, so it was the one that did not fit.
            }
            let name = render(path)
            return RequestDecodingError(
                message: "Invalid type for '\(name)': expected an integer, got a fraction or an out-of-range number.",
                param: name)
        }
        return generic
    }

    static let generic = RequestDecodingError(
        message: "A number in the request body does not fit its field (an integer field was given a fraction or an out-of-range value).",
        param: nil)

    /// Numbers that cannot be an `Int`: every float leaf, in document order.
    private static func collect(_ value: JSONValue, path: [Step], into candidates: inout [[Step]]) {
        guard candidates.count < maxCandidates else { return }
        switch value {
        case .number:
            candidates.append(path)
        case .array(let items):
            for (index, item) in items.enumerated() { collect(item, path: path + [.index(index)], into: &candidates) }
        case .object(let members):
            for key in members.keys.sorted() { collect(members[key] ?? .null, path: path + [.key(key)], into: &candidates) }
        default:
            break
        }
    }

    private static func replacing(_ value: JSONValue, at path: ArraySlice<Step>, with replacement: JSONValue) -> JSONValue {
        guard let step = path.first else { return replacement }
        switch (step, value) {
        case (.index(let index), .array(var items)) where items.indices.contains(index):
            items[index] = replacing(items[index], at: path.dropFirst(), with: replacement)
            return .array(items)
        case (.key(let key), .object(var members)):
            members[key] = replacing(members[key] ?? .null, at: path.dropFirst(), with: replacement)
            return .object(members)
        default:
            return value
        }
    }

    private static func render(_ path: [Step]) -> String {
        var text = ""
        for step in path {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
