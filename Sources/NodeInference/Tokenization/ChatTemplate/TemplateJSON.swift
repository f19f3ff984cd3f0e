/// JSON for templates: parsing that keeps object key order (Python's `json.loads` gives
/// ordered dicts, and `tojson` shows the order), and `json.dumps` output as Hugging Face's
/// `tojson` filter produces it (`ensure_ascii=False`).
package enum TemplateJSON {
    /// Nesting deeper than this is refused rather than recursed into.
    package static let maxDepth = 128

    package static func parse(_ text: String) throws(TemplateError) -> TemplateValue {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == parser.scalars.count else { throw .runtime("trailing characters after JSON") }
        return value
    }

    package static func dump(_ value: TemplateValue, indent: Int? = nil) -> String {
        var out = ""
        write(value, indent: indent, level: 0, into: &out)
        return out
    }

    private static func write(_ value: TemplateValue, indent: Int?, level: Int, into out: inout String) {
        switch value {
        case .undefined, .none: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number):
            if number.isNaN { out += "NaN" } else if number.isInfinite { out += number > 0 ? "Infinity" : "-Infinity" } else { out += "\(number)" }
        case .string(let text): quote(text, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (position, item) in items.enumerated() {
                if position > 0 { out += indent == nil ? ", " : "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                write(item, indent: indent, level: level + 1, into: &out)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "]"
        case .object(let object):
            guard !object.isEmpty else { out += "{}"; return }
            out += "{"
            for (position, entry) in object.entries.enumerated() {
                if position > 0 { out += indent == nil ? ", " : "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                quote(entry.key, into: &out)
                out += ": "
                write(entry.value, indent: indent, level: level + 1, into: &out)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "}"
        case .namespace(let box): write(.object(box.attributes), indent: indent, level: level, into: &out)
        case .macro, .method, .function: out += "null"
        }
    }

    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0

        mutating func skipSpace() {
            while position < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[position]) { position += 1 }
        }

        mutating func expect(_ literal: String) throws(TemplateError) {
            for scalar in literal.unicodeScalars {
                guard position < scalars.count, scalars[position] == scalar else { throw .runtime("invalid JSON at offset \(position)") }
                position += 1
            }
        }

        mutating func value(depth: Int) throws(TemplateError) -> TemplateValue {
            guard depth < TemplateJSON.maxDepth else { throw .limitExceeded("JSON nested deeper than \(TemplateJSON.maxDepth)") }
            guard position < scalars.count else { throw .runtime("unexpected end of JSON") }
            switch scalars[position] {
            case "{":
                position += 1
                var object = OrderedObject()
                skipSpace()
                if position < scalars.count, scalars[position] == "}" { position += 1; return .object(object) }
                while true {
                    skipSpace()
                    guard case .string(let key) = try value(depth: depth + 1) else { throw .runtime("JSON object key is not a string") }
                    skipSpace()
                    try expect(":")
                    skipSpace()
                    object[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard position < scalars.count else { throw .runtime("unexpected end of JSON") }
                    if scalars[position] == "," { position += 1; continue }
                    try expect("}")
                    return .object(object)
                }
            case "[":
                position += 1
                var items: [TemplateValue] = []
                skipSpace()
                if position < scalars.count, scalars[position] == "]" { position += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard position < scalars.count else { throw .runtime("unexpected end of JSON") }
                    if scalars[position] == "," { position += 1; continue }
                    try expect("]")
                    return .array(items)
                }
            case "\"":
                return .string(try string())
            case "t": try expect("true"); return .bool(true)
            case "f": try expect("false"); return .bool(false)
            case "n": try expect("null"); return .none
            default:
                return try number()
            }
        }

        mutating func string() throws(TemplateError) -> String {
            position += 1
            var out = String.UnicodeScalarView()
            while position < scalars.count {
                let scalar = scalars[position]
                position += 1
                if scalar == "\"" { return String(out) }
                guard scalar == "\\" else { out.append(scalar); continue }
                guard position < scalars.count else { break }
                let escape = scalars[position]
                position += 1
                switch escape {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "u":
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), position + 1 < scalars.count, scalars[position] == "\\", scalars[position + 1] == "u" {
                        position += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) { code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) }
                    }
                    out.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: out.append(escape)
                }
            }
            throw .runtime("unterminated JSON string")
        }

        mutating func hex4() throws(TemplateError) -> UInt32 {
            guard position + 4 <= scalars.count, let code = UInt32(String(String.UnicodeScalarView(scalars[position..<(position + 4)])), radix: 16)
            else { throw .runtime("invalid \\u escape in JSON") }
            position += 4
            return code
        }

        mutating func number() throws(TemplateError) -> TemplateValue {
            let start = position
            while position < scalars.count, "+-0123456789.eE".unicodeScalars.contains(scalars[position]) { position += 1 }
            let text = String(String.UnicodeScalarView(scalars[start..<position]))
            if !text.contains(where: { ".eE".contains($0) }), let integer = Int(text) { return .int(integer) }
            guard let double = Double(text) else { throw .runtime("invalid JSON number '\(text)'") }
            return .double(double)
        }
    }
}
