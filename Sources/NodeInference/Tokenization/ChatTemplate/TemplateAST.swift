/// The compiled form of a template: statements and expressions.
package indirect enum TemplateExpression: Sendable {
    case literal(TemplateValue)
    case name(String)
    case list([TemplateExpression])
    case dict([(TemplateExpression, TemplateExpression)])
    case attribute(TemplateExpression, String)
    case item(TemplateExpression, TemplateExpression)
    case slice(TemplateExpression, TemplateExpression?, TemplateExpression?, TemplateExpression?)
    case call(TemplateExpression, [TemplateExpression], [(String, TemplateExpression)])
    case filter(TemplateExpression, String, [TemplateExpression], [(String, TemplateExpression)])
    case test(TemplateExpression, String, [TemplateExpression], negated: Bool)
    case unary(String, TemplateExpression)
    case binary(String, TemplateExpression, TemplateExpression)
    case conditional(then: TemplateExpression, condition: TemplateExpression, otherwise: TemplateExpression?)
}

package indirect enum TemplateNode: Sendable {
    package enum Target: Sendable {
        case name(String)
        case names([String])
        case attribute(String, String)
    }

    case text(String)
    case output(TemplateExpression)
    case forLoop(targets: [String], iterable: TemplateExpression, condition: TemplateExpression?, body: [TemplateNode], otherwise: [TemplateNode])
    case ifBlock([(TemplateExpression, [TemplateNode])], otherwise: [TemplateNode])
    case set(Target, TemplateExpression)
    case setBlock(String, [TemplateNode])
    case macro(MacroBox)
    case callBlock(TemplateExpression, body: [TemplateNode])
    case breakLoop
    case continueLoop
}
