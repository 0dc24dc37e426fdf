/// Finds an agent's dialog at the bottom of a screen window: a question line, then options numbered
/// `1.`, `2.`, … in order with the cursor before exactly one, then at most a few footer lines.
///
/// Each condition rules out ordinary output: a numbered list the agent printed has no cursor, or
/// is followed by more output or the input prompt, or does not end the window. The question may
/// have scrolled away: when option 1 is the window's first line the question is nil; otherwise a
/// line ending in `?` must stand within ``questionLookback`` lines above option 1 (Codex prints the
/// command between its question and the options).
enum AgentPromptBlockParser {
    /// Lines after the last option that still belong to the dialog (Claude's `Esc to cancel · Tab
    /// to amend`, Codex's `Press enter to confirm or esc to cancel`, a box's bottom edge).
    static let footerLimit = 3
    /// Lines above option 1 searched for the question (a command, a reason, a file name between).
    static let questionLookback = 6
    /// Wrapped description lines an option may carry before the next option (AskUserQuestion).
    static let continuationLimit = 3
    /// Options numbered past this are output, not a dialog (agents offer two to a handful).
    static let maximumNumber = 9

    /// One option line: its number, label, whether the cursor is on it, and the column its number
    /// starts in (options of one dialog share it; deeper lines are descriptions).
    struct Option: Equatable {
        let number: Int
        let label: String
        let selected: Bool
        let column: Int
    }

    /// The option `line` shows, if it is one: an optional cursor, a number, `. `, a label.
    static func option(_ line: AgentScreenLine, cursors: [Character]) -> Option? {
        // Most lines start with neither a digit nor a cursor (all cursors are outside ASCII).
        guard let head = line.text.utf8.first, head >= 0x80 || (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(head) else { return nil }
        var rest = Substring(line.text)
        var selected = false
        if let first = rest.first, cursors.contains(first) {
            selected = true
            rest = rest.dropFirst().drop { $0 == " " }
        }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard (1...2).contains(digits.count), let number = Int(digits), (1...maximumNumber).contains(number) else { return nil }
        rest = rest.dropFirst(digits.count)
        guard rest.hasPrefix(". ") else { return nil }
        let label = rest.dropFirst(2).drop { $0 == " " }
        guard !label.isEmpty else { return nil }
        return Option(number: number, label: String(label), selected: selected, column: line.indent + line.text.count - rest.count - digits.count)
    }

    /// The dialog ending `window`, or nil when the bottom of the window is not one.
    static func prompt(in window: [AgentScreenLine], cursors: [Character]) -> AgentPrompt? {
        guard let lastIndex = window.lastIndex(where: { option($0, cursors: cursors) != nil }),
              window.count - 1 - lastIndex <= footerLimit,
              let last = option(window[lastIndex], cursors: cursors) else { return nil }
        var options = [last]
        var index = lastIndex
        var continuation = 0
        while options[0].number > 1 {
            index -= 1
            guard index >= 0 else { return nil }
            if let found = option(window[index], cursors: cursors) {
                guard found.number == options[0].number - 1, found.column == last.column else { return nil }
                options.insert(found, at: 0)
                continuation = 0
            } else {
                continuation += 1
                guard window[index].indent > last.column, continuation <= continuationLimit else { return nil }
            }
        }
        guard options.count >= 2, options.count(where: \.selected) == 1 else { return nil }
        let question: String?
        if index == 0 {
            question = nil
        } else {
            let above = window[max(0, index - questionLookback)..<index].reversed()
            guard let line = above.prefix(while: { !$0.isRule }).first(where: { $0.text.hasSuffix("?") }) else { return nil }
            question = line.text
        }
        let choices = options.map { AgentChoice(number: $0.number, label: $0.label, selected: $0.selected) }
        return AgentPrompt(question: question, choices: choices, source: .screen)
    }
}
