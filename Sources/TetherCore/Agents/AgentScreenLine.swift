/// One screen line as the agent readers see it: box borders (`│ … │`) taken off, so a dialog drawn
/// in a box reads like one drawn without, and its indent kept, so an option's wrapped description
/// is told from the next option.
struct AgentScreenLine: Equatable {
    /// The text without borders and surrounding blanks; never empty in a window.
    let text: String
    /// Columns before ``text`` once the left border is off.
    let indent: Int

    private static let borders: Set<Character> = ["│", "┃", "║"]
    private static let ruleCharacters: Set<Character> = ["─", "━", "═", "╭", "╮", "╰", "╯", "┌", "┐", "└", "┘", "├", "┤", "┬", "┴", "┼", " "]
    /// Horizontal strokes a line needs to be a rule rather than a stray box corner.
    private static let ruleMinimumStrokes = 3

    init(_ raw: String) {
        var rest = Substring(raw)
        // A dialog nested in a box draws two borders a side.
        for _ in 0..<2 {
            let trimmed = rest.drop { $0 == " " }
            if let first = trimmed.first, Self.borders.contains(first) { rest = trimmed.dropFirst() }
            while let last = rest.last, last == " " || Self.borders.contains(last) { rest = rest.dropLast() }
        }
        let body = rest.drop { $0 == " " || $0 == "\t" }
        indent = rest.count - body.count
        text = String(body)
    }

    /// A horizontal rule or box edge: what Claude and Gemini draw above and below their input line.
    var isRule: Bool {
        text.allSatisfy { Self.ruleCharacters.contains($0) } && text.filter { "─━═".contains($0) }.count >= Self.ruleMinimumStrokes
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
