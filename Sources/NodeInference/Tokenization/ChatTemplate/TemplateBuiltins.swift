import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Filters, tests, methods and global functions that real chat templates use.
enum TemplateBuiltins {
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "startswith", "endswith", "upper", "lower", "replace", "title",
        "capitalize", "find", "count", "join", "splitlines",
    ]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get"]
    static let listMethods: Set<String> = ["index", "count"]

    /// Python's `str.strip()` whitespace.
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    static func strip(_ text: String, _ characters: TemplateValue?, leading: Bool, trailing: Bool) -> String {
        let set: (Unicode.Scalar) -> Bool
        if case .string(let chars)? = characters {
            let members = Set(chars.unicodeScalars)
            set = { members.contains($0) }
        } else {
            set = isPythonSpace
        }
        var scalars = Array(text.unicodeScalars)[...]
        if leading { while let first = scalars.first, set(first) { scalars = scalars.dropFirst() } }
        if trailing { while let last = scalars.last, set(last) { scalars = scalars.dropLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    static func titleCase(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousCased = false
        for scalar in text.unicodeScalars {
            let cased = scalar.properties.isCased
            if cased {
                let mapped = previousCased ? scalar.properties.lowercaseMapping : scalar.properties.titlecaseMapping
                out.append(contentsOf: mapped.unicodeScalars)
            } else {
                out.append(scalar)
            }
            previousCased = cased
        }
        return String(out)
    }

    static func split(_ text: String, _ separator: TemplateValue?, limit: Int) -> [TemplateValue] {
        if case .string(let sep)? = separator, !sep.isEmpty {
            var parts = text.components(separatedBy: sep)
            if limit >= 0, parts.count > limit + 1 {
                let head = Array(parts[..<limit])
                parts = head + [parts[limit...].joined(separator: sep)]
            }
            return parts.map { .string($0) }
        }
        // No separator: runs of whitespace split, empty strings dropped.
        var words: [TemplateValue] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isPythonSpace(scalar) {
                if !current.isEmpty { words.append(.string(String(current))); current = String.UnicodeScalarView() }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(.string(String(current))) }
        return words
    }

    static func method(_ base: TemplateValue, _ name: String, _ arguments: [TemplateValue], _ keywords: [(String, TemplateValue)]) throws(TemplateError)
        -> TemplateValue
    {
        switch base {
        case .string(let text):
            switch name {
            case "strip": return .string(strip(text, arguments.first, leading: true, trailing: true))
            case "lstrip": return .string(strip(text, arguments.first, leading: true, trailing: false))
            case "rstrip": return .string(strip(text, arguments.first, leading: false, trailing: true))
            case "upper": return .string(String(String.UnicodeScalarView(text.unicodeScalars.flatMap { $0.properties.uppercaseMapping.unicodeScalars })))
            case "lower": return .string(String(String.UnicodeScalarView(text.unicodeScalars.flatMap { $0.properties.lowercaseMapping.unicodeScalars })))
            case "title": return .string(titleCase(text))
            case "capitalize": return .string(capitalize(text))
            case "split":
                var limit = -1
                if arguments.count > 1, case .int(let value) = arguments[1] { limit = value }
                return .array(split(text, arguments.first, limit: limit))
            case "splitlines":
                return .array(text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }.map { .string(String($0)) }
                    .dropLast(text.hasSuffix("\n") ? 1 : 0))
            case "startswith", "endswith":
                let candidates: [TemplateValue]
                if case .array(let items)? = arguments.first { candidates = items } else { candidates = Array(arguments.prefix(1)) }
                return .bool(candidates.contains { candidate in
                    guard case .string(let part) = candidate else { return false }
                    return name == "startswith" ? text.hasPrefix(part) : text.hasSuffix(part)
                })
            case "replace":
                guard arguments.count >= 2, case .string(let old) = arguments[0], case .string(let new) = arguments[1] else {
                    throw .runtime("replace() takes two strings")
                }
                return .string(old.isEmpty ? text : text.replacingOccurrences(of: old, with: new))
            case "find":
                guard case .string(let part)? = arguments.first, let range = text.range(of: part) else { return .int(-1) }
                return .int(text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: range.lowerBound))
            case "count":
                guard case .string(let part)? = arguments.first, !part.isEmpty else { return .int(0) }
                return .int(text.components(separatedBy: part).count - 1)
            case "join":
                guard let items = arguments.first else { return .string("") }
                return .string(try TemplateInterpreter.iterate(items).map(\.pythonString).joined(separator: text))
            default: break
            }
        case .object(let object):
            switch name {
            case "items": return .array(object.entries.map { .array([.string($0.key), $0.value]) })
            case "keys": return .array(object.keys.map { .string($0) })
            case "values": return .array(object.entries.map(\.value))
            case "get":
                guard case .string(let key)? = arguments.first else { return .none }
                return object[key] ?? (arguments.count > 1 ? arguments[1] : .none)
            default: break
            }
        case .array(let items):
            switch name {
            case "index":
                guard let element = arguments.first, let position = items.firstIndex(of: element) else { throw .runtime("value is not in list") }
                return .int(position)
            case "count":
                return .int(items.filter { $0 == arguments.first }.count)
            default: break
            }
        default: break
        }
        throw .runtime("'\(base.typeName)' object has no method '\(name)'")
    }

    static func capitalize(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        guard let first = scalars.first else { return text }
        scalars.removeFirst()
        return String(String.UnicodeScalarView(first.properties.uppercaseMapping.unicodeScalars))
            + String(String.UnicodeScalarView(scalars.flatMap { $0.properties.lowercaseMapping.unicodeScalars }))
    }

    static func function(_ name: String, _ arguments: [TemplateValue], _ keywords: [(String, TemplateValue)], now: Date) throws(TemplateError)
        -> TemplateValue
    {
        switch name {
        case "raise_exception":
            throw .raised(arguments.first?.pythonString ?? "")
        case "namespace":
            var attributes = OrderedObject()
            if case .object(let initial)? = arguments.first { attributes = initial }
            for (key, value) in keywords { attributes[key] = value }
            return .namespace(NamespaceBox(attributes))
        case "dict":
            var object = OrderedObject()
            for (key, value) in keywords { object[key] = value }
            return .object(object)
        case "range":
            let numbers = arguments.compactMap { value -> Int? in if case .int(let n) = value { return n } else { return nil } }
            guard numbers.count == arguments.count, (1...3).contains(numbers.count) else { throw .runtime("range() takes 1 to 3 integers") }
            let (start, stop, step) = numbers.count == 1 ? (0, numbers[0], 1) : (numbers[0], numbers[1], numbers.count == 3 ? numbers[2] : 1)
            guard step != 0 else { throw .runtime("range() step must not be zero") }
            let values = Array(stride(from: start, to: stop, by: step).prefix(100_000))
            return .array(values.map { .int($0) })
        case "strftime_now":
            guard case .string(let format)? = arguments.first else { throw .runtime("strftime_now() takes a format string") }
            return .string(strftime(format, now))
        default:
            throw .runtime("'\(name)' is not supported")
        }
    }

    /// C's strftime, as Python's `datetime.strftime` uses it on Linux.
    static func strftime(_ format: String, _ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 512)
        let count = Glibc.strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Tests

    static func test(_ name: String, _ value: TemplateValue, _ arguments: [TemplateValue]) throws(TemplateError) -> Bool {
        switch name {
        case "defined": return value.isDefined
        case "undefined": return !value.isDefined
        case "none": return value == .none
        case "string": if case .string = value { return true }; return false
        case "mapping": if case .object = value { return true }; return false
        case "iterable", "sequence":
            switch value {
            case .string, .array, .object: return true
            default: return false
            }
        case "number":
            switch value {
            case .int, .double, .bool: return true
            default: return false
            }
        case "integer": if case .int = value { return true }; return false
        case "float": if case .double = value { return true }; return false
        case "boolean": if case .bool = value { return true }; return false
        case "true": return value == .bool(true) && { if case .bool = value { return true }; return false }()
        case "false": return value == .bool(false) && { if case .bool = value { return true }; return false }()
        case "callable":
            switch value {
            case .macro, .method, .function: return true
            default: return false
            }
        case "equalto", "eq", "==", "sameas": return value == (arguments.first ?? .none)
        case "ne", "!=": return value != (arguments.first ?? .none)
        case "lt", "<": return try TemplateOperators.compare(value, arguments.first ?? .none) < 0
        case "le", "<=": return try TemplateOperators.compare(value, arguments.first ?? .none) <= 0
        case "gt", ">": return try TemplateOperators.compare(value, arguments.first ?? .none) > 0
        case "ge", ">=": return try TemplateOperators.compare(value, arguments.first ?? .none) >= 0
        case "in": return try TemplateOperators.contains(arguments.first ?? .none, value)
        case "odd", "even":
            guard case .int(let number) = value else { throw .runtime("\(name) needs an integer") }
            return (number % 2 != 0) == (name == "odd")
        case "divisibleby":
            guard case .int(let number) = value, case .int(let divisor)? = arguments.first, divisor != 0 else { throw .runtime("divisibleby needs integers") }
            return number % divisor == 0
        case "lower": if case .string(let text) = value { return text == text.lowercased() }; return false
        case "upper": if case .string(let text) = value { return text == text.uppercased() }; return false
        default: throw .runtime("no test named '\(name)'")
        }
    }

    // MARK: Filters

    static func filter(
        _ name: String, _ value: TemplateValue, _ arguments: [TemplateValue], _ keywords: [(String, TemplateValue)], interpreter: TemplateInterpreter
    ) throws(TemplateError) -> TemplateValue {
        func keyword(_ key: String, _ position: Int) -> TemplateValue? {
            keywords.first { $0.0 == key }?.1 ?? (position < arguments.count ? arguments[position] : nil)
        }
        switch name {
        case "trim":
            return .string(strip(value.pythonString, keyword("chars", 0), leading: true, trailing: true))
        case "tojson":
            var indent: Int?
            if case .int(let width)? = keyword("indent", 0) { indent = width }
            return .string(TemplateJSON.dump(value, indent: indent))
        case "length", "count":
            switch value {
            case .string(let text): return .int(text.unicodeScalars.count)
            case .array(let items): return .int(items.count)
            case .object(let object): return .int(object.count)
            case .undefined: return .int(0)
            default: throw .runtime("object of type '\(value.typeName)' has no len()")
            }
        case "upper", "lower", "title", "capitalize":
            return try method(.string(value.pythonString), name, [], [])
        case "replace":
            return try method(.string(value.pythonString), "replace", arguments, [])
        case "join":
            let separator = keyword("d", 0)?.pythonString ?? ""
            var items = try TemplateInterpreter.iterate(value)
            if let attribute = keyword("attribute", 1) { items = try items.map { item throws(TemplateError) in try interpreter.attribute(item, attribute.pythonString) } }
            return .string(items.map(\.pythonString).joined(separator: separator))
        case "default", "d":
            let fallback = keyword("default_value", 0) ?? .string("")
            let boolean = keyword("boolean", 1)?.isTruthy ?? false
            return (boolean ? value.isTruthy : value.isDefined) ? value : fallback
        case "first":
            return try TemplateInterpreter.iterate(value).first ?? .undefined("first")
        case "last":
            return try TemplateInterpreter.iterate(value).last ?? .undefined("last")
        case "list":
            return .array(try TemplateInterpreter.iterate(value))
        case "string":
            return .string(value.pythonString)
        case "int":
            switch value {
            case .int: return value
            case .double(let number): return .int(Int(number))
            case .bool(let flag): return .int(flag ? 1 : 0)
            case .string(let text): return .int(Int(text.trimmingCharacters(in: .whitespaces)) ?? Int(Double(text) ?? 0))
            default: return .int(0)
            }
        case "float":
            return .double(TemplateOperators.number(value) ?? Double(value.pythonString) ?? 0)
        case "abs":
            switch value {
            case .int(let number): return .int(abs(number))
            case .double(let number): return .double(abs(number))
            default: throw .runtime("bad operand type for abs()")
            }
        case "items":
            guard case .object(let object) = value else {
                if case .undefined = value { return .array([]) }
                throw .runtime("items filter needs a mapping")
            }
            return .array(object.entries.map { .array([.string($0.key), $0.value]) })
        case "safe", "e", "escape":
            return value
        case "reverse":
            if case .string(let text) = value { return .string(String(String.UnicodeScalarView(text.unicodeScalars.reversed()))) }
            return .array(try TemplateInterpreter.iterate(value).reversed())
        case "unique":
            var seen: [TemplateValue] = []
            for item in try TemplateInterpreter.iterate(value) where !seen.contains(item) { seen.append(item) }
            return .array(seen)
        case "indent":
            let width: String
            switch keyword("width", 0) {
            case .string(let text)?: width = text
            case .int(let count)?: width = String(repeating: " ", count: max(0, min(count, 1024)))
            default: width = "    "
            }
            let first = keyword("first", 1)?.isTruthy ?? false
            let blank = keyword("blank", 2)?.isTruthy ?? false
            let lines = value.pythonString.components(separatedBy: "\n")
            return .string(lines.enumerated().map { index, line in
                if index == 0 { return first ? width + line : line }
                return (line.isEmpty && !blank) ? line : width + line
            }.joined(separator: "\n"))
        case "selectattr", "rejectattr":
            guard let attribute = arguments.first?.pythonString else { throw .runtime("\(name) needs an attribute name") }
            let testName = arguments.count > 1 ? arguments[1].pythonString : nil
            let testArguments = Array(arguments.dropFirst(2))
            var kept: [TemplateValue] = []
            for item in try TemplateInterpreter.iterate(value) {
                let field = (try? interpreter.attribute(item, attribute)) ?? .undefined(attribute)
                let passes = try testName.map { test throws(TemplateError) in try self.test(test, field, testArguments) } ?? field.isTruthy
                if passes == (name == "selectattr") { kept.append(item) }
            }
            return .array(kept)
        case "select", "reject":
            let testName = arguments.first?.pythonString
            let testArguments = Array(arguments.dropFirst())
            var kept: [TemplateValue] = []
            for item in try TemplateInterpreter.iterate(value) {
                let passes = try testName.map { test throws(TemplateError) in try self.test(test, item, testArguments) } ?? item.isTruthy
                if passes == (name == "select") { kept.append(item) }
            }
            return .array(kept)
        case "map":
            let items = try TemplateInterpreter.iterate(value)
            if let attribute = keywords.first(where: { $0.0 == "attribute" })?.1.pythonString {
                let fallback = keywords.first { $0.0 == "default" }?.1
                return .array(try items.map { item throws(TemplateError) in
                    let field = try interpreter.attribute(item, attribute)
                    if let fallback, !field.isDefined { return fallback }
                    return field
                })
            }
            guard let filterName = arguments.first?.pythonString else { throw .runtime("map needs a filter name or attribute=") }
            return .array(try items.map { item throws(TemplateError) in try filter(filterName, item, Array(arguments.dropFirst()), [], interpreter: interpreter) })
        case "wordcount":
            return .int(split(value.pythonString, nil, limit: -1).count)
        case "round":
            let digits: Int
            if case .int(let count)? = keyword("precision", 0) { digits = count } else { digits = 0 }
            let scale = pow(10, Double(digits))
            return .double(((TemplateOperators.number(value) ?? 0) * scale).rounded() / scale)
        default:
            throw .runtime("no filter named '\(name)'")
        }
    }
}
