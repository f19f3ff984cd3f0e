/// Builds the AST from lexed pieces. Expression precedence follows jinja2's parser:
/// conditional < or < and < not < comparison (incl. `in`, `is`) < `+ -` < `~` < `* / // %`
/// < `**` < unary < postfix (`.x`, `[i]`, `(...)`) and filters (`|f`).
struct TemplateParser {
    private var pieces: [TemplateLexer.Piece]
    private var index = 0

    static let maxNesting = 64

    init(_ pieces: [TemplateLexer.Piece]) {
        self.pieces = pieces
    }

    static func parse(_ source: String) throws(TemplateError) -> [TemplateNode] {
        var parser = TemplateParser(try TemplateLexer.lex(source))
        let (nodes, end) = try parser.nodes(until: [], depth: 0)
        if let end { throw .syntax("unexpected '\(end)'", line: 0) }
        return nodes
    }

    /// Nodes until a block tag whose keyword is in `terminators` (returned, not consumed past).
    mutating func nodes(until terminators: Set<String>, depth: Int) throws(TemplateError) -> ([TemplateNode], String?) {
        guard depth < Self.maxNesting else { throw .limitExceeded("blocks nested deeper than \(Self.maxNesting)") }
        var nodes: [TemplateNode] = []
        while index < pieces.count {
            let piece = pieces[index]
            index += 1
            switch piece {
            case .text(let text):
                nodes.append(.text(text))
            case .variable(let tokens, let line):
                var expression = ExpressionParser(tokens: tokens, line: line)
                nodes.append(.output(try expression.parseAll()))
            case .block(let tokens, let line):
                guard case .name(let keyword)? = tokens.first else { throw .syntax("empty block tag", line: line) }
                if terminators.contains(keyword) {
                    index -= 1
                    return (nodes, keyword)
                }
                nodes.append(try statement(keyword, Array(tokens.dropFirst()), line: line, depth: depth))
            }
        }
        return (nodes, nil)
    }

    /// Consumes the terminator tag that `nodes(until:)` stopped at, returning its tokens.
    mutating func consumeTerminator() -> [TemplateLexer.Token] {
        guard index < pieces.count, case .block(let tokens, _) = pieces[index] else { return [] }
        index += 1
        return Array(tokens.dropFirst())
    }

    mutating func body(_ terminators: Set<String>, opener: String, line: Int, depth: Int) throws(TemplateError) -> ([TemplateNode], String) {
        let (nodes, end) = try nodes(until: terminators, depth: depth + 1)
        guard let end else { throw .syntax("'\(opener)' is never closed", line: line) }
        return (nodes, end)
    }

    mutating func statement(_ keyword: String, _ tokens: [TemplateLexer.Token], line: Int, depth: Int) throws(TemplateError) -> TemplateNode {
        var p = ExpressionParser(tokens: tokens, line: line)
        switch keyword {
        case "for":
            var targets: [String] = []
            repeat {
                guard case .name(let name)? = p.next() else { throw .syntax("expected a loop variable", line: line) }
                targets.append(name)
            } while p.accept(.op(","))
            guard p.accept(.name("in")) else { throw .syntax("expected 'in'", line: line) }
            let iterable = try p.parseExpression(allowConditional: false)
            var condition: TemplateExpression?
            if p.accept(.name("if")) { condition = try p.parseExpression(allowConditional: false) }
            try p.expectEnd()
            var (body, end) = try self.body(["endfor", "else"], opener: "for", line: line, depth: depth)
            _ = consumeTerminator()
            var otherwise: [TemplateNode] = []
            if end == "else" {
                (otherwise, end) = try self.body(["endfor"], opener: "for", line: line, depth: depth)
                _ = consumeTerminator()
            }
            return .forLoop(targets: targets, iterable: iterable, condition: condition, body: body, otherwise: otherwise)
        case "if":
            var branches: [(TemplateExpression, [TemplateNode])] = []
            var condition = try p.parseAll()
            var otherwise: [TemplateNode] = []
            while true {
                let (body, end) = try self.body(["elif", "else", "endif"], opener: "if", line: line, depth: depth)
                branches.append((condition, body))
                let rest = consumeTerminator()
                if end == "elif" {
                    var q = ExpressionParser(tokens: rest, line: line)
                    condition = try q.parseAll()
                    continue
                }
                if end == "else" {
                    (otherwise, _) = try self.body(["endif"], opener: "if", line: line, depth: depth)
                    _ = consumeTerminator()
                }
                break
            }
            return .ifBlock(branches, otherwise: otherwise)
        case "set":
            guard case .name(let first)? = p.next() else { throw .syntax("expected a name after 'set'", line: line) }
            var target = TemplateNode.Target.name(first)
            if p.accept(.op(".")) {
                guard case .name(let attribute)? = p.next() else { throw .syntax("expected an attribute name", line: line) }
                target = .attribute(first, attribute)
            } else if p.peek == .op(",") {
                var names = [first]
                while p.accept(.op(",")) {
                    guard case .name(let name)? = p.next() else { throw .syntax("expected a name", line: line) }
                    names.append(name)
                }
                target = .names(names)
            }
            if p.atEnd, case .name(let name) = target {
                let (body, _) = try self.body(["endset"], opener: "set", line: line, depth: depth)
                _ = consumeTerminator()
                return .setBlock(name, body)
            }
            guard p.accept(.op("=")) else { throw .syntax("expected '=' in set", line: line) }
            let value = try p.parseTuple()
            try p.expectEnd()
            return .set(target, value)
        case "macro":
            guard case .name(let name)? = p.next(), p.accept(.op("(")) else { throw .syntax("expected a macro signature", line: line) }
            var parameters: [(String, TemplateExpression?)] = []
            while !p.accept(.op(")")) {
                guard case .name(let parameter)? = p.next() else { throw .syntax("expected a parameter name", line: line) }
                var defaultValue: TemplateExpression?
                if p.accept(.op("=")) { defaultValue = try p.parseExpression(allowConditional: true) }
                parameters.append((parameter, defaultValue))
                if !p.accept(.op(",")) {
                    guard p.accept(.op(")")) else { throw .syntax("expected ',' or ')'", line: line) }
                    break
                }
            }
            try p.expectEnd()
            let (body, _) = try self.body(["endmacro"], opener: "macro", line: line, depth: depth)
            _ = consumeTerminator()
            return .macro(MacroBox(name: name, parameters: parameters, body: body))
        case "call":
            let expression = try p.parseAll()
            let (body, _) = try self.body(["endcall"], opener: "call", line: line, depth: depth)
            _ = consumeTerminator()
            return .callBlock(expression, body: body)
        case "generation":
            // transformers' AssistantTracker tag: renders its body unchanged.
            let (body, _) = try self.body(["endgeneration"], opener: "generation", line: line, depth: depth)
            _ = consumeTerminator()
            return .ifBlock([(.literal(.bool(true)), body)], otherwise: [])
        case "break": return .breakLoop
        case "continue": return .continueLoop
        default:
            throw .syntax("unknown tag '\(keyword)'", line: line)
        }
    }
}

struct ExpressionParser {
    let tokens: [TemplateLexer.Token]
    let line: Int
    var position = 0
    var depth = 0

    init(tokens: [TemplateLexer.Token], line: Int) {
        self.tokens = tokens
        self.line = line
    }

    var peek: TemplateLexer.Token? { position < tokens.count ? tokens[position] : nil }
    var atEnd: Bool { position >= tokens.count }

    mutating func next() -> TemplateLexer.Token? {
        defer { position += 1 }
        return peek
    }

    mutating func accept(_ token: TemplateLexer.Token) -> Bool {
        guard peek == token else { return false }
        position += 1
        return true
    }

    mutating func expect(_ token: TemplateLexer.Token) throws(TemplateError) {
        guard accept(token) else { throw .syntax("expected \(token)", line: line) }
    }

    mutating func expectEnd() throws(TemplateError) {
        guard atEnd else { throw .syntax("unexpected \(peek.map { "\($0)" } ?? "")", line: line) }
    }

    mutating func parseAll() throws(TemplateError) -> TemplateExpression {
        let expression = try parseTuple()
        try expectEnd()
        return expression
    }

    /// `a, b` without brackets is a tuple (a list here).
    mutating func parseTuple() throws(TemplateError) -> TemplateExpression {
        let first = try parseExpression(allowConditional: true)
        guard peek == .op(",") else { return first }
        var items = [first]
        while accept(.op(",")) {
            if atEnd { break }
            items.append(try parseExpression(allowConditional: true))
        }
        return .list(items)
    }

    mutating func parseExpression(allowConditional: Bool) throws(TemplateError) -> TemplateExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth < 200 else { throw .limitExceeded("expression nested too deeply") }
        let value = try parseOr()
        guard allowConditional, accept(.name("if")) else { return value }
        let condition = try parseOr()
        var otherwise: TemplateExpression?
        if accept(.name("else")) { otherwise = try parseExpression(allowConditional: true) }
        return .conditional(then: value, condition: condition, otherwise: otherwise)
    }

    mutating func parseOr() throws(TemplateError) -> TemplateExpression {
        var left = try parseAnd()
        while accept(.name("or")) { left = .binary("or", left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws(TemplateError) -> TemplateExpression {
        var left = try parseNot()
        while accept(.name("and")) { left = .binary("and", left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws(TemplateError) -> TemplateExpression {
        if accept(.name("not")) { return .unary("not", try parseNot()) }
        return try parseCompare()
    }

    mutating func parseCompare() throws(TemplateError) -> TemplateExpression {
        var left = try parseMath1()
        while true {
            if case .op(let op)? = peek, ["==", "!=", "<", "<=", ">", ">="].contains(op) {
                position += 1
                left = .binary(op, left, try parseMath1())
            } else if accept(.name("in")) {
                left = .binary("in", left, try parseMath1())
            } else if peek == .name("not"), position + 1 < tokens.count, tokens[position + 1] == .name("in") {
                position += 2
                left = .binary("not in", left, try parseMath1())
            } else if accept(.name("is")) {
                let negated = accept(.name("not"))
                guard case .name(let test)? = next() else { throw .syntax("expected a test name after 'is'", line: line) }
                var arguments: [TemplateExpression] = []
                if accept(.op("(")) {
                    (arguments, _) = try parseArguments()
                } else if let token = peek, Self.startsPrimary(token) {
                    arguments = [try parseMath1()]
                }
                left = .test(left, test, arguments, negated: negated)
            } else {
                return left
            }
        }
    }

    static func startsPrimary(_ token: TemplateLexer.Token) -> Bool {
        switch token {
        case .string, .int, .double: true
        case .name(let name): !["and", "or", "if", "else", "is", "in", "not"].contains(name)
        case .op(let op): op == "(" || op == "[" || op == "{"
        }
    }

    mutating func parseMath1() throws(TemplateError) -> TemplateExpression {
        var left = try parseConcat()
        while case .op(let op)? = peek, op == "+" || op == "-" {
            position += 1
            left = .binary(op, left, try parseConcat())
        }
        return left
    }

    mutating func parseConcat() throws(TemplateError) -> TemplateExpression {
        var left = try parseMath2()
        while accept(.op("~")) { left = .binary("~", left, try parseMath2()) }
        return left
    }

    mutating func parseMath2() throws(TemplateError) -> TemplateExpression {
        var left = try parsePow()
        while case .op(let op)? = peek, ["*", "/", "//", "%"].contains(op) {
            position += 1
            left = .binary(op, left, try parsePow())
        }
        return left
    }

    mutating func parsePow() throws(TemplateError) -> TemplateExpression {
        var left = try parseUnary()
        while accept(.op("**")) { left = .binary("**", left, try parseUnary()) }
        return left
    }

    mutating func parseUnary() throws(TemplateError) -> TemplateExpression {
        if accept(.op("-")) { return try parseFilters(.unary("-", try parseUnary())) }
        if accept(.op("+")) { return try parseFilters(.unary("+", try parseUnary())) }
        return try parseFilters(try parsePostfix(try parsePrimary()))
    }

    mutating func parseFilters(_ base: TemplateExpression) throws(TemplateError) -> TemplateExpression {
        var value = base
        while accept(.op("|")) {
            guard case .name(let name)? = next() else { throw .syntax("expected a filter name", line: line) }
            var arguments: [TemplateExpression] = [], keywords: [(String, TemplateExpression)] = []
            if accept(.op("(")) { (arguments, keywords) = try parseArguments() }
            value = try parsePostfix(.filter(value, name, arguments, keywords))
        }
        return value
    }

    mutating func parsePostfix(_ base: TemplateExpression) throws(TemplateError) -> TemplateExpression {
        var value = base
        while true {
            if accept(.op(".")) {
                guard let token = next() else { throw .syntax("expected an attribute", line: line) }
                switch token {
                case .name(let name): value = .attribute(value, name)
                case .int(let index): value = .item(value, .literal(.int(index)))
                default: throw .syntax("expected an attribute", line: line)
                }
            } else if accept(.op("[")) {
                value = try parseSubscript(value)
            } else if accept(.op("(")) {
                let (arguments, keywords) = try parseArguments()
                value = .call(value, arguments, keywords)
            } else {
                return value
            }
        }
    }

    mutating func parseSubscript(_ base: TemplateExpression) throws(TemplateError) -> TemplateExpression {
        var parts: [TemplateExpression?] = [nil]
        var isSlice = false
        while !accept(.op("]")) {
            if accept(.op(":")) {
                isSlice = true
                parts.append(nil)
                continue
            }
            guard parts[parts.count - 1] == nil else { throw .syntax("expected ']'", line: line) }
            parts[parts.count - 1] = try parseExpression(allowConditional: true)
        }
        guard isSlice else {
            guard let index = parts[0] else { throw .syntax("empty subscript", line: line) }
            return .item(base, index)
        }
        guard parts.count <= 3 else { throw .syntax("too many ':' in slice", line: line) }
        return .slice(base, parts[0], parts.count > 1 ? parts[1] : nil, parts.count > 2 ? parts[2] : nil)
    }

    mutating func parseArguments() throws(TemplateError) -> ([TemplateExpression], [(String, TemplateExpression)]) {
        var arguments: [TemplateExpression] = [], keywords: [(String, TemplateExpression)] = []
        while !accept(.op(")")) {
            if case .name(let name)? = peek, position + 1 < tokens.count, tokens[position + 1] == .op("=") {
                position += 2
                keywords.append((name, try parseExpression(allowConditional: true)))
            } else {
                arguments.append(try parseExpression(allowConditional: true))
            }
            if !accept(.op(",")) {
                try expect(.op(")"))
                break
            }
        }
        return (arguments, keywords)
    }

    mutating func parsePrimary() throws(TemplateError) -> TemplateExpression {
        guard let token = next() else { throw .syntax("unexpected end of expression", line: line) }
        switch token {
        case .string(var text):
            while case .string(let more)? = peek {  // adjacent literals concatenate
                text += more
                position += 1
            }
            return .literal(.string(text))
        case .int(let value): return .literal(.int(value))
        case .double(let value): return .literal(.double(value))
        case .name(let name):
            switch name {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(name)
            }
        case .op("("):
            if accept(.op(")")) { return .list([]) }
            let inner = try parseExpression(allowConditional: true)
            if accept(.op(",")) {
                var items = [inner]
                while !accept(.op(")")) {
                    items.append(try parseExpression(allowConditional: true))
                    if !accept(.op(",")) { try expect(.op(")")); break }
                }
                return .list(items)
            }
            try expect(.op(")"))
            return inner
        case .op("["):
            var items: [TemplateExpression] = []
            while !accept(.op("]")) {
                items.append(try parseExpression(allowConditional: true))
                if !accept(.op(",")) { try expect(.op("]")); break }
            }
            return .list(items)
        case .op("{"):
            var pairs: [(TemplateExpression, TemplateExpression)] = []
            while !accept(.op("}")) {
                let key = try parseExpression(allowConditional: true)
                try expect(.op(":"))
                pairs.append((key, try parseExpression(allowConditional: true)))
                if !accept(.op(",")) { try expect(.op("}")); break }
            }
            return .dict(pairs)
        default:
            throw .syntax("unexpected \(token)", line: line)
        }
    }
}
