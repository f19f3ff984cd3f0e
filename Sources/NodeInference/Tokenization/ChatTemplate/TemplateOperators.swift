import Foundation

/// Binary operators with Python's semantics (a type mismatch is an error, as in jinja2).
enum TemplateOperators {
    static func apply(_ op: String, _ left: TemplateValue, _ right: TemplateValue) throws(TemplateError) -> TemplateValue {
        switch op {
        case "==": return .bool(left == right)
        case "!=": return .bool(left != right)
        case "<", "<=", ">", ">=":
            let order = try compare(left, right)
            switch op {
            case "<": return .bool(order < 0)
            case "<=": return .bool(order <= 0)
            case ">": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case "in": return .bool(try contains(right, left))
        case "not in": return .bool(!(try contains(right, left)))
        case "~": return .string(left.pythonString + right.pythonString)
        case "+":
            switch (left, right) {
            case (.string(let a), .string(let b)): return .string(a + b)
            case (.array(let a), .array(let b)): return .array(a + b)
            default: return try arithmetic(op, left, right)
            }
        case "*":
            switch (left, right) {
            case (.string(let text), .int(let count)), (.int(let count), .string(let text)):
                return .string(String(repeating: text, count: max(0, min(count, 1 << 20))))
            case (.array(let items), .int(let count)):
                return .array(Array(repeating: items, count: max(0, min(count, 1 << 16))).flatMap { $0 })
            default: return try arithmetic(op, left, right)
            }
        default:
            return try arithmetic(op, left, right)
        }
    }

    static func number(_ value: TemplateValue) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number): number
        case .bool(let flag): flag ? 1 : 0
        default: nil
        }
    }

    static func arithmetic(_ op: String, _ left: TemplateValue, _ right: TemplateValue) throws(TemplateError) -> TemplateValue {
        if case .undefined(let name) = left { throw .runtime("'\(name)' is undefined") }
        if case .undefined(let name) = right { throw .runtime("'\(name)' is undefined") }
        if case .int(let a) = left, case .int(let b) = right {
            switch op {
            case "+": return .int(a &+ b)
            case "-": return .int(a &- b)
            case "*": return .int(a &* b)
            case "//":
                guard b != 0 else { throw .runtime("integer division by zero") }
                return .int(Int((Double(a) / Double(b)).rounded(.down)))
            case "%":
                guard b != 0 else { throw .runtime("integer modulo by zero") }
                let remainder = a % b
                return .int(remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder)
            case "**":
                guard b >= 0 else { return .double(pow(Double(a), Double(b))) }
                return .int(Int(clamping: Int64(pow(Double(a), Double(b)))))
            case "/":
                guard b != 0 else { throw .runtime("division by zero") }
                return .double(Double(a) / Double(b))
            default: break
            }
        }
        guard let a = number(left), let b = number(right) else {
            throw .runtime("unsupported operand type(s) for \(op): '\(left.typeName)' and '\(right.typeName)'")
        }
        switch op {
        case "+": return .double(a + b)
        case "-": return .double(a - b)
        case "*": return .double(a * b)
        case "/":
            guard b != 0 else { throw .runtime("division by zero") }
            return .double(a / b)
        case "//":
            guard b != 0 else { throw .runtime("division by zero") }
            return .double((a / b).rounded(.down))
        case "%":
            guard b != 0 else { throw .runtime("modulo by zero") }
            let remainder = fmod(a, b)
            return .double(remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder)
        case "**": return .double(pow(a, b))
        default: throw .runtime("unknown operator \(op)")
        }
    }

    static func compare(_ left: TemplateValue, _ right: TemplateValue) throws(TemplateError) -> Int {
        if let a = number(left), let b = number(right) { return a < b ? -1 : a > b ? 1 : 0 }
        if case .string(let a) = left, case .string(let b) = right {
            let x = Array(a.unicodeScalars.map(\.value)), y = Array(b.unicodeScalars.map(\.value))
            return x.lexicographicallyPrecedes(y) ? -1 : x == y ? 0 : 1
        }
        throw .runtime("'<' not supported between instances of '\(left.typeName)' and '\(right.typeName)'")
    }

    static func contains(_ container: TemplateValue, _ element: TemplateValue) throws(TemplateError) -> Bool {
        switch container {
        case .string(let text):
            guard case .string(let part) = element else { throw .runtime("'in <string>' requires string as left operand") }
            return part.isEmpty || text.contains(part)
        case .array(let items): return items.contains(element)
        case .object(let object):
            guard case .string(let key) = element else { return false }
            return object[key] != nil
        case .namespace(let box):
            guard case .string(let key) = element else { return false }
            return box.attributes[key] != nil
        case .undefined(let name): throw .runtime("'\(name)' is undefined")
        default: throw .runtime("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
