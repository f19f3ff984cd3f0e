import Foundation
import NodeInference

enum Fixtures {
    static func data(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/openai") else {
            throw FixtureError.missing(name)
        }
        return try Data(contentsOf: url)
    }

    enum FixtureError: Error { case missing(String) }
}

/// Compares two JSON documents by value. `null` and an absent key count as equal (OpenAI treats
/// them alike in requests; the keys that must be present as `null` have their own tests), and
/// numbers compare with a relative tolerance that absorbs Float round trips.
func jsonEquivalent(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)):
        let keys = Set(x.keys).union(y.keys)
        return keys.allSatisfy { key in
            jsonEquivalent(x[key] ?? .null, y[key] ?? .null)
        }
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy(jsonEquivalent)
    case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)):
        return Double(x) == y
    case (.number(let x), .number(let y)):
        return abs(x - y) <= 1e-6 * max(abs(x), abs(y))
    default:
        return a == b
    }
}

func encodeToJSON(_ value: some Encodable) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: WireFormat.makeEncoder().encode(value))
}

func jsonObject(_ value: some Encodable) throws -> [String: Any] {
    let data = try WireFormat.makeEncoder().encode(value)
    return try (JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
}
