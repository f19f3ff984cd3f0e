/// Splits template source into text and tags, applying Jinja's whitespace rules as Hugging
/// Face configures them (`trim_blocks`, `lstrip_blocks`, `-` markers, one trailing newline
/// dropped, newlines normalised). Follows jinja2's `lexer.py`.
struct TemplateLexer {
    enum Piece {
        case text(String)
        case variable([Token], line: Int)
        case block([Token], line: Int)
    }

    enum Token: Equatable {
        case name(String)
        case string(String)
        case int(Int)
        case double(Double)
        case op(String)
    }

    static func lex(_ source: String) throws(TemplateError) -> [Piece] {
        var text = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if text.hasSuffix("\n") { text.removeLast() }
        let s = Array(text.unicodeScalars)
        var pieces: [Piece] = []
        var pending = String.UnicodeScalarView()
        var lineStarting = true
        var textStartedAtLineStart = true
        var i = 0
        var line = 1

        func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

        while i < s.count {
            guard s[i] == "{", i + 1 < s.count, s[i + 1] == "{" || s[i + 1] == "%" || s[i + 1] == "#" else {
                if pending.isEmpty { textStartedAtLineStart = lineStarting }
                pending.append(s[i])
                lineStarting = s[i] == "\n"
                if s[i] == "\n" { line += 1 }
                i += 1
                continue
            }
            let kind = s[i + 1]
            var j = i + 2
            let marker: Unicode.Scalar? = j < s.count && (s[j] == "-" || s[j] == "+") ? s[j] : nil
            if marker != nil { j += 1 }
            // Whitespace before the tag.
            if marker == "-" {
                while let last = pending.last, isSpace(last) { pending.removeLast() }
            } else if marker != "+", kind != "{" {
                // lstrip_blocks: a block or comment tag alone on its line loses the indentation.
                let scalars = Array(pending)
                let lineStart = (scalars.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
                let hasNewline = lineStart > 0
                if (hasNewline || textStartedAtLineStart || pending.isEmpty) && scalars[lineStart...].allSatisfy({ $0 == " " || $0 == "\t" }) {
                    pending = String.UnicodeScalarView(scalars[..<lineStart])
                }
            }
            if !pending.isEmpty { pieces.append(.text(String(pending))) }
            pending = String.UnicodeScalarView()
            let startLine = line

            var rightStrip = false
            if kind == "#" {
                // A comment runs to the first `#}`.
                var k = j
                while k + 1 < s.count, !(s[k] == "#" && s[k + 1] == "}") {
                    if s[k] == "\n" { line += 1 }
                    k += 1
                }
                guard k + 1 < s.count else { throw .syntax("unclosed comment", line: startLine) }
                rightStrip = k > j && s[k - 1] == "-"
                i = k + 2
            } else {
                let closing: Unicode.Scalar = kind == "{" ? "}" : "%"
                var tokens: [Token] = []
                var k = j
                while true {
                    while k < s.count, isSpace(s[k]) {
                        if s[k] == "\n" { line += 1 }
                        k += 1
                    }
                    guard k < s.count else { throw .syntax("unclosed tag", line: startLine) }
                    if s[k] == "-", k + 2 < s.count, s[k + 1] == closing, s[k + 2] == "}" {
                        rightStrip = true
                        k += 3
                        break
                    }
                    if s[k] == closing, k + 1 < s.count, s[k + 1] == "}" {
                        k += 2
                        break
                    }
                    tokens.append(try token(s, &k, line: line))
                }
                pieces.append(kind == "{" ? .variable(tokens, line: startLine) : .block(tokens, line: startLine))
                i = k
            }
            // Whitespace after the tag.
            if rightStrip {
                while i < s.count, isSpace(s[i]) {
                    if s[i] == "\n" { line += 1 }
                    i += 1
                }
                lineStarting = i > 0 && s[i - 1] == "\n"
            } else if kind != "{", i < s.count, s[i] == "\n" {
                // trim_blocks: the first newline after a block or comment tag goes.
                i += 1
                line += 1
                lineStarting = true
            } else {
                lineStarting = false
            }
            textStartedAtLineStart = lineStarting
        }
        if !pending.isEmpty { pieces.append(.text(String(pending))) }
        return pieces
    }

    static func token(_ s: [Unicode.Scalar], _ k: inout Int, line: Int) throws(TemplateError) -> Token {
        let c = s[k]
        if c == "_" || c.properties.isAlphabetic {
            let start = k
            while k < s.count, s[k] == "_" || s[k].properties.isAlphabetic || ("0"..."9").contains(s[k]) { k += 1 }
            return .name(String(String.UnicodeScalarView(s[start..<k])))
        }
        if ("0"..."9").contains(c) {
            let start = k
            var isFloat = false
            while k < s.count, ("0"..."9").contains(s[k]) || s[k] == "_" || (s[k] == "." && !isFloat && k + 1 < s.count && ("0"..."9").contains(s[k + 1])) {
                if s[k] == "." { isFloat = true }
                k += 1
            }
            let text = String(String.UnicodeScalarView(s[start..<k])).replacingOccurrences(of: "_", with: "")
            if isFloat, let value = Double(text) { return .double(value) }
            if let value = Int(text) { return .int(value) }
            throw .syntax("invalid number \(text)", line: line)
        }
        if c == "'" || c == "\"" {
            k += 1
            var out = String.UnicodeScalarView()
            while k < s.count, s[k] != c {
                if s[k] == "\\", k + 1 < s.count {
                    k += 1
                    switch s[k] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "\\": out.append("\\")
                    case "'": out.append("'")
                    case "\"": out.append("\"")
                    case "0": out.append("\u{0}")
                    case "u", "x", "U":
                        let width = s[k] == "x" ? 2 : s[k] == "u" ? 4 : 8
                        let digits = s[(k + 1)..<min(s.count, k + 1 + width)]
                        if digits.count == width, let code = UInt32(String(String.UnicodeScalarView(digits)), radix: 16), let scalar = Unicode.Scalar(code) {
                            out.append(scalar)
                            k += width
                        } else {
                            out.append("\\")
                            out.append(s[k])
                        }
                    default:
                        out.append("\\")
                        out.append(s[k])
                    }
                } else {
                    out.append(s[k])
                }
                k += 1
            }
            guard k < s.count else { throw .syntax("unterminated string", line: line) }
            k += 1
            return .string(String(out))
        }
        for op in ["**", "//", "==", "!=", "<=", ">="] where k + 1 < s.count && String(String.UnicodeScalarView(s[k...(k + 1)])) == op {
            k += 2
            return .op(op)
        }
        if "()[]{},:.|+-*/%~<>=".unicodeScalars.contains(c) {
            k += 1
            return .op(String(c))
        }
        throw .syntax("unexpected character '\(c)'", line: line)
    }
}
