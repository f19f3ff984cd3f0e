import Foundation

/// A value inside a template, with Python's semantics where Jinja inherits them (truthiness,
/// `str()`, equality, dict order).
public indirect enum TemplateValue: Sendable, Equatable {
    /// Jinja's undefined, remembering the name that was looked up.
    case undefined(String)
    /// Python's `None`.
    case none
    /// A boolean.
    case bool(Bool)
    /// An integer.
    case int(Int)
    /// A float.
    case double(Double)
    /// A string.
    case string(String)
    /// A list.
    case array([TemplateValue])
    /// Keys in insertion order, as Python dicts keep them (it shows in `tojson` and `items()`).
    case object(OrderedObject)
    /// A `namespace()` object, mutable across loop iterations.
    case namespace(NamespaceBox)
    /// A macro defined by the template.
    case macro(MacroBox)
    /// A bound method of a value (`text.strip`), waiting for its call.
    case method(TemplateValueBox, String)
    /// A built-in global function (`raise_exception`, `strftime_now`, `range`, …).
    case function(String)

    /// The value in a condition, as Python's truthiness.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0
        case .string(let value): !value.isEmpty
        case .array(let value): !value.isEmpty
        case .object(let value): !value.isEmpty
        default: true
        }
    }

    /// Whether the value is anything but `undefined` (Jinja's `is defined`).
    public var isDefined: Bool {
        if case .undefined = self { return false }
        return true
    }

    /// Python's `str()`.
    public var pythonString: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case .bool(let value): value ? "True" : "False"
        case .int(let value): String(value)
        case .double(let value): Self.pythonFloat(value)
        case .string(let value): value
        case .array, .object: pythonRepr
        case .namespace: "<Namespace>"
        case .macro: "<Macro>"
        case .method(_, let name), .function(let name): "<built-in method \(name)>"
        }
    }

    /// Python's `repr()`, used for values inside lists and dicts.
    public var pythonRepr: String {
        switch self {
        case .string(let value): Self.pythonQuote(value)
        case .array(let values): "[" + values.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let object): "{" + object.entries.map { Self.pythonQuote($0.key) + ": " + $0.value.pythonRepr }.joined(separator: ", ") + "}"
        default: pythonString
        }
    }

    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == value.rounded(), abs(value) < 1e16 { return String(format: "%.1f", value) }
        return "\(value)"
    }

    static func pythonQuote(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote { out += "\\\(quote)" }
                else if scalar.value < 0x20 || scalar.value == 0x7F { out += String(format: "\\x%02x", scalar.value) }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        out.append(quote)
        return out
    }

    /// Python equality: numbers compare across int/float, containers element-wise.
    public static func == (lhs: TemplateValue, rhs: TemplateValue) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.bool(let a), .int(let b)), (.int(let b), .bool(let a)): return (a ? 1 : 0) == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        case (.namespace(let a), .namespace(let b)): return a === b
        default: return false
        }
    }
}

/// A dict that keeps insertion order.
public struct OrderedObject: Sendable, Equatable {
    /// The key–value pairs, in insertion order (as Python dicts keep them).
    public private(set) var entries: [(key: String, value: TemplateValue)] = []
    private var index: [String: Int] = [:]

    /// An empty `OrderedObject` (every field at its default).
    public init() {}

    /// Creates an `OrderedObject` from its fields.
    public init(_ pairs: [(String, TemplateValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    /// Whether there is nothing in it.
    public var isEmpty: Bool { entries.isEmpty }
    /// How many entries it has.
    public var count: Int { entries.count }
    /// The keys, in insertion order.
    public var keys: [String] { entries.map(\.key) }

    /// The value of `key`, if present.
    public subscript(key: String) -> TemplateValue? {
        get { index[key].map { entries[$0].value } }
        set {
            if let position = index[key] {
                if let newValue { entries[position].value = newValue }
            } else if let newValue {
                index[key] = entries.count
                entries.append((key, newValue))
            }
        }
    }

    /// Python dict equality ignores order.
    public static func == (lhs: OrderedObject, rhs: OrderedObject) -> Bool {
        lhs.count == rhs.count && lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }
}

/// `namespace()`: the one mutable object templates have (attributes set across loop scopes).
public final class NamespaceBox: @unchecked Sendable {
    // @unchecked: a namespace lives inside one render, on one thread.
    var attributes = OrderedObject()
    init(_ attributes: OrderedObject) { self.attributes = attributes }
}

/// A template macro, shared by reference.
public final class MacroBox: Sendable {
    let name: String
    let parameters: [(String, TemplateExpression?)]
    let body: [TemplateNode]
    init(name: String, parameters: [(String, TemplateExpression?)], body: [TemplateNode]) {
        self.name = name
        self.parameters = parameters
        self.body = body
    }
}

extension MacroBox: Equatable {
    public static func == (lhs: MacroBox, rhs: MacroBox) -> Bool { lhs === rhs }
}

/// A template value shared by reference (a namespace's storage).
public final class TemplateValueBox: Sendable, Equatable {
    let value: TemplateValue
    init(_ value: TemplateValue) { self.value = value }
    public static func == (lhs: TemplateValueBox, rhs: TemplateValueBox) -> Bool { lhs.value == rhs.value }
}

extension NamespaceBox: Equatable {
    public static func == (lhs: NamespaceBox, rhs: NamespaceBox) -> Bool { lhs === rhs }
}
