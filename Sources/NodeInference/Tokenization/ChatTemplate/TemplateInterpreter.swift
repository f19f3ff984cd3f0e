import Foundation

/// Renders a compiled template. One interpreter per render; nothing is shared.
final class TemplateInterpreter {
    private var scopes: [[String: TemplateValue]]
    private var output = ""
    private var steps = 0
    let now: Date

    /// Bounds on one render, so that a hostile template or message cannot hang the server.
    static let maxSteps = 2_000_000
    static let maxOutputBytes = 16 << 20
    static let maxCallDepth = 64
    private var callDepth = 0

    enum Flow { case normal, breakLoop, continueLoop }

    init(variables: [String: TemplateValue], now: Date) {
        self.scopes = [variables]
        self.now = now
    }

    func render(_ nodes: [TemplateNode]) throws(TemplateError) -> String {
        _ = try execute(nodes)
        return output
    }

    private func tick() throws(TemplateError) {
        steps += 1
        if steps > Self.maxSteps { throw .limitExceeded("the template did too much work") }
    }

    private func write(_ text: String) throws(TemplateError) {
        output += text
        if output.utf8.count > Self.maxOutputBytes { throw .limitExceeded("the rendered prompt exceeds \(Self.maxOutputBytes) bytes") }
    }

    func lookup(_ name: String) -> TemplateValue {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        switch name {
        case "namespace", "raise_exception", "strftime_now", "range", "dict", "joiner", "cycler": return .function(name)
        default: return .undefined(name)
        }
    }

    private func assign(_ name: String, _ value: TemplateValue) {
        scopes[scopes.count - 1][name] = value
    }

    // MARK: Statements

    private func execute(_ nodes: [TemplateNode]) throws(TemplateError) -> Flow {
        for node in nodes {
            try tick()
            switch node {
            case .text(let text):
                try write(text)
            case .output(let expression):
                try write(try evaluate(expression).pythonString)
            case .ifBlock(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try evaluate(condition).isTruthy {
                    taken = true
                    let flow = try execute(body)
                    if flow != .normal { return flow }
                    break
                }
                if !taken {
                    let flow = try execute(otherwise)
                    if flow != .normal { return flow }
                }
            case .forLoop(let targets, let iterable, let condition, let body, let otherwise):
                try runLoop(targets: targets, iterable: iterable, condition: condition, body: body, otherwise: otherwise)
            case .set(let target, let expression):
                let value = try evaluate(expression)
                switch target {
                case .name(let name):
                    assign(name, value)
                case .names(let names):
                    let items = try Self.iterate(value)
                    guard items.count == names.count else { throw .runtime("cannot unpack \(items.count) values into \(names.count) names") }
                    for (name, item) in zip(names, items) { assign(name, item) }
                case .attribute(let name, let attribute):
                    guard case .namespace(let box) = lookup(name) else {
                        throw .runtime("cannot assign attribute on a non-namespace object")
                    }
                    box.attributes[attribute] = value
                }
            case .setBlock(let name, let body):
                let saved = output
                output = ""
                _ = try execute(body)
                let captured = output
                output = saved
                assign(name, .string(captured))
            case .macro(let box):
                assign(box.name, .macro(box))
            case .callBlock(let expression, let body):
                let caller = MacroBox(name: "caller", parameters: [], body: body)
                scopes.append(["caller": .macro(caller)])
                defer { scopes.removeLast() }
                try write(try evaluate(expression).pythonString)
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            }
        }
        return .normal
    }

    private func runLoop(
        targets: [String], iterable: TemplateExpression, condition: TemplateExpression?, body: [TemplateNode], otherwise: [TemplateNode]
    ) throws(TemplateError) {
        var items = try Self.iterate(try evaluate(iterable))
        if let condition {
            var kept: [TemplateValue] = []
            for item in items {
                scopes.append([:])
                bind(targets, item)
                let keep = try evaluate(condition).isTruthy
                scopes.removeLast()
                if keep { kept.append(item) }
            }
            items = kept
        }
        guard !items.isEmpty else {
            _ = try execute(otherwise)
            return
        }
        for (index, item) in items.enumerated() {
            try tick()
            var loop = OrderedObject()
            loop["index"] = .int(index + 1)
            loop["index0"] = .int(index)
            loop["revindex"] = .int(items.count - index)
            loop["revindex0"] = .int(items.count - index - 1)
            loop["first"] = .bool(index == 0)
            loop["last"] = .bool(index == items.count - 1)
            loop["length"] = .int(items.count)
            loop["previtem"] = index > 0 ? items[index - 1] : .undefined("previtem")
            loop["nextitem"] = index + 1 < items.count ? items[index + 1] : .undefined("nextitem")
            scopes.append(["loop": .object(loop)])
            bind(targets, item)
            let flow = try execute(body)
            scopes.removeLast()
            if flow == .breakLoop { break }
        }
    }

    private func bind(_ targets: [String], _ item: TemplateValue) {
        if targets.count == 1 {
            assign(targets[0], item)
        } else {
            let parts = (try? Self.iterate(item)) ?? []
            for (position, name) in targets.enumerated() {
                assign(name, position < parts.count ? parts[position] : .undefined(name))
            }
        }
    }

    static func iterate(_ value: TemplateValue) throws(TemplateError) -> [TemplateValue] {
        switch value {
        case .array(let items): return items
        case .object(let object): return object.keys.map { .string($0) }
        case .string(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        case .namespace(let box): return box.attributes.keys.map { .string($0) }
        default: throw .runtime("'\(value.typeName)' object is not iterable")
        }
    }

    // MARK: Expressions

    func evaluate(_ expression: TemplateExpression) throws(TemplateError) -> TemplateValue {
        try tick()
        switch expression {
        case .literal(let value):
            return value
        case .name(let name):
            return lookup(name)
        case .list(let items):
            var values: [TemplateValue] = []
            for item in items { values.append(try evaluate(item)) }
            return .array(values)
        case .dict(let pairs):
            var object = OrderedObject()
            for (key, value) in pairs {
                object[try evaluate(key).pythonString] = try evaluate(value)
            }
            return .object(object)
        case .attribute(let base, let name):
            return try attribute(try evaluate(base), name)
        case .item(let base, let index):
            return try item(try evaluate(base), try evaluate(index))
        case .slice(let base, let start, let stop, let step):
            return try slice(
                try evaluate(base), start.map { e throws(TemplateError) in try evaluate(e) }, stop.map { e throws(TemplateError) in try evaluate(e) },
                step.map { e throws(TemplateError) in try evaluate(e) })
        case .call(let callee, let arguments, let keywords):
            let function = try evaluate(callee)
            var values: [TemplateValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            var named: [(String, TemplateValue)] = []
            for (name, argument) in keywords { named.append((name, try evaluate(argument))) }
            return try call(function, values, named)
        case .filter(let base, let name, let arguments, let keywords):
            let value = try evaluate(base)
            var values: [TemplateValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            var named: [(String, TemplateValue)] = []
            for (key, argument) in keywords { named.append((key, try evaluate(argument))) }
            return try TemplateBuiltins.filter(name, value, values, named, interpreter: self)
        case .test(let base, let name, let arguments, let negated):
            let value = try evaluate(base)
            var values: [TemplateValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            let result = try TemplateBuiltins.test(name, value, values)
            return .bool(negated ? !result : result)
        case .unary(let op, let operand):
            let value = try evaluate(operand)
            switch (op, value) {
            case ("not", _): return .bool(!value.isTruthy)
            case ("-", .int(let number)): return .int(-number)
            case ("-", .double(let number)): return .double(-number)
            case ("+", .int), ("+", .double): return value
            default: throw .runtime("bad operand type for unary \(op): '\(value.typeName)'")
            }
        case .binary(let op, let leftExpression, let rightExpression):
            let left = try evaluate(leftExpression)
            if op == "and" { return left.isTruthy ? try evaluate(rightExpression) : left }
            if op == "or" { return left.isTruthy ? left : try evaluate(rightExpression) }
            return try TemplateOperators.apply(op, left, try evaluate(rightExpression))
        case .conditional(let then, let condition, let otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(then) }
            if let otherwise { return try evaluate(otherwise) }
            return .undefined("else")
        }
    }

    /// `a.b`: an attribute (a method) first, then an item, as Jinja's `getattr` does.
    func attribute(_ base: TemplateValue, _ name: String) throws(TemplateError) -> TemplateValue {
        switch base {
        case .undefined(let what):
            throw .runtime("'\(what)' is undefined")
        case .object(let object):
            if TemplateBuiltins.dictMethods.contains(name) { return .method(TemplateValueBox(base), name) }
            return object[name] ?? .undefined(name)
        case .string:
            if TemplateBuiltins.stringMethods.contains(name) { return .method(TemplateValueBox(base), name) }
            return .undefined(name)
        case .namespace(let box):
            return box.attributes[name] ?? .undefined(name)
        case .array:
            if TemplateBuiltins.listMethods.contains(name) { return .method(TemplateValueBox(base), name) }
            return .undefined(name)
        default:
            return .undefined(name)
        }
    }

    /// `a[b]`: an item first, then an attribute.
    func item(_ base: TemplateValue, _ index: TemplateValue) throws(TemplateError) -> TemplateValue {
        switch (base, index) {
        case (.undefined(let what), _):
            throw .runtime("'\(what)' is undefined")
        case (.array(let items), .int(let position)):
            let resolved = position < 0 ? items.count + position : position
            return items.indices.contains(resolved) ? items[resolved] : .undefined("[\(position)]")
        case (.string(let text), .int(let position)):
            let scalars = Array(text.unicodeScalars)
            let resolved = position < 0 ? scalars.count + position : position
            return scalars.indices.contains(resolved) ? .string(String(scalars[resolved])) : .undefined("[\(position)]")
        case (.object(let object), .string(let key)):
            if let value = object[key] { return value }
            return try attribute(base, key)
        case (.namespace(let box), .string(let key)):
            return box.attributes[key] ?? .undefined(key)
        default:
            return .undefined("[\(index.pythonString)]")
        }
    }

    func slice(_ base: TemplateValue, _ start: TemplateValue?, _ stop: TemplateValue?, _ step: TemplateValue?) throws(TemplateError) -> TemplateValue {
        func int(_ value: TemplateValue?) throws(TemplateError) -> Int? {
            switch value {
            case nil, .none?, .undefined?: return nil
            case .int(let number)?: return number
            default: throw .runtime("slice indices must be integers")
            }
        }
        let stride = try int(step) ?? 1
        guard stride != 0 else { throw .runtime("slice step cannot be zero") }
        func indices(_ count: Int) throws(TemplateError) -> [Int] {
            func clamp(_ value: Int?, _ fallback: Int, low: Int, high: Int) -> Int {
                guard var value else { return fallback }
                if value < 0 { value += count }
                return min(max(value, low), high)
            }
            if stride > 0 {
                let from = clamp(try int(start), 0, low: 0, high: count)
                let to = clamp(try int(stop), count, low: 0, high: count)
                return Array(Swift.stride(from: from, to: to, by: stride))
            }
            let from = clamp(try int(start), count - 1, low: -1, high: count - 1)
            let to = clamp(try int(stop), -1, low: -1, high: count - 1)
            return Array(Swift.stride(from: from, to: to, by: stride))
        }
        switch base {
        case .array(let items):
            return .array(try indices(items.count).map { items[$0] })
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            return .string(String(String.UnicodeScalarView(try indices(scalars.count).map { scalars[$0] })))
        case .undefined(let what):
            throw .runtime("'\(what)' is undefined")
        default:
            throw .runtime("'\(base.typeName)' object is not subscriptable")
        }
    }

    func call(_ function: TemplateValue, _ arguments: [TemplateValue], _ keywords: [(String, TemplateValue)]) throws(TemplateError) -> TemplateValue {
        switch function {
        case .method(let box, let name):
            return try TemplateBuiltins.method(box.value, name, arguments, keywords)
        case .function(let name):
            return try TemplateBuiltins.function(name, arguments, keywords, now: now)
        case .macro(let box):
            callDepth += 1
            defer { callDepth -= 1 }
            guard callDepth <= Self.maxCallDepth else { throw .limitExceeded("macros call each other too deeply") }
            var frame: [String: TemplateValue] = [:]
            for (position, (name, defaultValue)) in box.parameters.enumerated() {
                if position < arguments.count {
                    frame[name] = arguments[position]
                } else if let keyword = keywords.first(where: { $0.0 == name }) {
                    frame[name] = keyword.1
                } else if let defaultValue {
                    frame[name] = try evaluate(defaultValue)
                } else {
                    frame[name] = .undefined(name)
                }
            }
            let savedScopes = scopes, savedOutput = output
            // A macro sees the template's top-level names, its arguments and a caller.
            scopes = [scopes[0], frame.merging(scopes.last?["caller"].map { ["caller": $0] } ?? [:]) { a, _ in a }]
            output = ""
            defer {
                scopes = savedScopes
            }
            _ = try execute(box.body)
            let result = output
            output = savedOutput
            return .string(result)
        case .undefined(let name):
            throw .runtime("'\(name)' is undefined")
        default:
            throw .runtime("'\(function.typeName)' object is not callable")
        }
    }
}

extension TemplateValue {
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .array: "list"
        case .object: "dict"
        case .namespace: "Namespace"
        case .macro: "Macro"
        case .method, .function: "builtin_function_or_method"
        }
    }
}
