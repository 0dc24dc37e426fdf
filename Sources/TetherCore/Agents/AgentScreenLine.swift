/// One screen line as the agent readers see it: box borders (`│ … │`) taken off, so a dialog drawn
/// in a box reads like one drawn without, and its indent kept, so an option's wrapped description
/// is told from the next option.
///
/// Read on every changed screen of every followed session (200 sessions redrawing a spinner are
/// 200 windows a second): it walks Unicode scalars, never grapheme clusters, and each property is
/// worked out once, here.
struct AgentScreenLine: Equatable {
    /// The text without borders and surrounding blanks; never empty in a window.
    let text: String
    /// Columns before ``text`` once the left border is off.
    let indent: Int
    /// A horizontal rule or box edge: what Claude and Gemini draw above and below their input line.
    let isRule: Bool

    private static let borders: Set<Unicode.Scalar> = ["│", "┃", "║"]
    private static let ruleCharacters: Set<Unicode.Scalar> = ["─", "━", "═", "╭", "╮", "╰", "╯", "┌", "┐", "└", "┘", "├", "┤", "┬", "┴", "┼", " "]
    private static let strokes: Set<Unicode.Scalar> = ["─", "━", "═"]
    /// Horizontal strokes a line needs to be a rule rather than a stray box corner.
    private static let ruleMinimumStrokes = 3

    init(_ raw: String) {
        var rest = Substring(raw).unicodeScalars
        // A dialog nested in a box draws two borders a side.
        for _ in 0..<2 {
            let trimmed = rest.drop { $0 == " " }
            if let first = trimmed.first, Self.borders.contains(first) { rest = trimmed.dropFirst() }
            while let last = rest.last, last == " " || Self.borders.contains(last) { rest = rest.dropLast() }
        }
        let body = rest.drop { $0 == " " || $0 == "\t" }
        indent = rest.distance(from: rest.startIndex, to: body.startIndex)
        text = String(Substring(body))
        var strokes = 0
        var onlyRule = true
        for scalar in body {
            guard Self.ruleCharacters.contains(scalar) else { onlyRule = false; break }
            if Self.strokes.contains(scalar) { strokes += 1 }
        }
        isRule = onlyRule && strokes >= Self.ruleMinimumStrokes
    }

    /// The last `size` non-empty lines of `lines`: the part of the screen an agent's dialog, busy
    /// line and input prompt live in.
    static func window(_ lines: [String], size: Int) -> [AgentScreenLine] {
        var window: [AgentScreenLine] = []
        for raw in lines.reversed() where window.count < size {
            let line = AgentScreenLine(raw)
            if !line.text.isEmpty { window.append(line) }
        }
        return window.reversed()
    }
}
