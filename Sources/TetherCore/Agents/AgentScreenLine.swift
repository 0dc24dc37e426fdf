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
    /// Horizontal strokes a line needs to be a rule rather than a stray box corner.
    private static let ruleMinimumStrokes = 3

    init(_ raw: String) {
        self.init(Substring(raw))
    }

    init(_ raw: Substring) {
        var rest = raw.unicodeScalars
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
            switch scalar {
            case "─", "━", "═": strokes += 1
            case "╭", "╮", "╰", "╯", "┌", "┐", "└", "┘", "├", "┤", "┬", "┴", "┼", " ": break
            default: onlyRule = false
            }
            if !onlyRule { break }
        }
        isRule = onlyRule && strokes >= Self.ruleMinimumStrokes
    }

    /// The last `size` non-empty lines of `lines`: the part of the screen an agent's dialog, busy
    /// line and input prompt live in.
    static func window(_ lines: [String], size: Int) -> [AgentScreenLine] {
        window(lines.lazy.map { Substring($0) }, size: size)
    }

    /// The same, from the lines of a captured screen as they are (no copy of each).
    static func window(_ lines: some BidirectionalCollection<Substring>, size: Int) -> [AgentScreenLine] {
        var window: [AgentScreenLine] = []
        window.reserveCapacity(size)
        for raw in lines.reversed() where window.count < size {
            // A blank line (the most common on a screen) is skipped without making a line of it.
            guard raw.utf8.contains(where: { $0 != UInt8(ascii: " ") }) else { continue }
            let line = AgentScreenLine(raw)
            if !line.text.isEmpty { window.append(line) }
        }
        return window.reversed()
    }
}
