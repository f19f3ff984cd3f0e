/// A metadata value of a GGUF file.
package enum GGUFValue: Sendable, Equatable {
    case uint(UInt64)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    package var intValue: Int? {
        switch self {
        case .uint(let value): value <= UInt64(Int.max) ? Int(value) : nil
        case .int(let value): Int(value)
        default: nil
        }
    }

    package var doubleValue: Double? {
        switch self {
        case .float(let value): value
        case .uint(let value): Double(value)
        case .int(let value): Double(value)
        default: nil
        }
    }

    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    package var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    package var arrayValue: [GGUFValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}
