/// Which agent CLI the fake plays: the screen shapes and hook names of each.
enum Flavour: String, CaseIterable {
    case claude, gemini, codex

    /// The line a submitted message gets in the transcript area.
    func userLine(_ text: String) -> String {
        switch self {
        case .claude, .gemini: "> " + text
        case .codex: "› " + text
        }
    }

    /// The prefix of the agent's reply in the transcript area.
    var replyPrefix: String {
        switch self {
        case .claude: "⏺ "
        case .gemini: "✦ "
        case .codex: "• "
        }
    }

    /// What the screen shows when the user interrupts a turn.
    var interruptedLine: String {
        switch self {
        case .claude: "  ⎿  Interrupted · What should Claude do instead?"
        case .gemini: "ℹ Request cancelled."
        case .codex: "■ Conversation interrupted - tell the model what to do differently."
        }
    }

    /// The busy marker, as each CLI words it, with the seconds since the turn began.
    func busyLine(seconds: Int, frame: Int) -> String {
        let spinner = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
        return switch self {
        case .claude: "✻ Thinking… (\(seconds)s · esc to interrupt)"
        case .gemini: "\(spinner[frame % spinner.count]) Thinking (esc to cancel, \(seconds)s)"
        case .codex: "• Working (\(seconds)s • esc to interrupt)"
        }
    }

    /// The input area at the bottom: the draft (one entry per line) in the CLI's frame, and its hint line.
    func inputArea(draft: [String], width: Int) -> [String] {
        let rule = String(repeating: "─", count: max(width, 10))
        switch self {
        case .claude:
            let body = draft.enumerated().map { ($0.offset == 0 ? "> " : "  ") + $0.element }
            return [rule] + body + [rule, "  ? for shortcuts"]
        case .gemini:
            let inner = String(repeating: "─", count: max(width - 2, 8))
            let body = draft == [""] ? [">   Type your message or @path/to/file"]
                : draft.enumerated().map { ($0.offset == 0 ? "> " : "  ") + $0.element }
            return ["╭" + inner + "╮"] + body.map { "│ " + $0 } + ["╰" + inner + "╯", "~/project      no sandbox      gemini-2.5-pro"]
        case .codex:
            let body = draft == [""] ? ["› Ask Codex to do anything"]
                : draft.enumerated().map { ($0.offset == 0 ? "› " : "  ") + $0.element }
            return body + ["", "  ⏎ send   ⌃J newline   ⌃T transcript   ⌃C quit"]
        }
    }

    /// The permission prompt block for an edit of `file`, with option `selected` (1-based) marked, and
    /// `diffLines` lines of diff above the question (many push the dialog's head off a small screen).
    func promptBlock(file: String, selected: Int, diffLines: Int) -> [String] {
        let diff = (0..<max(diffLines, 1)).map { "│ +hello from the fake agent \($0 + 1)" }
        let (header, question, options, marker): ([String], String, [String], String) = switch self {
        case .claude: (
            ["╭─ Edit file ─", "│ \(file)"] + diff + ["╰─"],
            "Do you want to make this edit to \(file)?",
            ["Yes", "Yes, allow all edits during this session (shift+tab)", "No, and tell Claude what to do differently (esc)"],
            "❯")
        case .gemini: (
            ["╭─ ? Edit \(file) ─"] + diff + ["╰─"],
            "Apply this change?",
            ["Allow once", "Allow for this session", "No, suggest changes (esc)"],
            "●")
        case .codex: (
            ["  $ apply_patch \(file)"] + diff.map { "  " + $0.dropFirst(2) } + [""],
            "Would you like to run the following command?",
            ["Yes, proceed (y)", "Yes, and don't ask again for this command (a)", "No, and tell Codex what to do differently (esc)"],
            "›")
        }
        let lines = options.enumerated().map { index, label in
            (index + 1 == selected ? marker : " ") + " \(index + 1). \(label)"
        }
        return header + [question] + lines + ["", footer]
    }

    /// The line under a dialog's options (Gemini has none); never the busy marker's wording.
    private var footer: String {
        switch self {
        case .claude: "Esc to cancel · Tab to add additional instructions"
        case .gemini: ""
        case .codex: "Press Enter to confirm or Esc to cancel"
        }
    }

    /// The tool a permission prompt is for, by the CLI's own name for an edit.
    var editToolName: String {
        switch self {
        case .claude: "Edit"
        case .gemini: "replace"
        case .codex: "apply_patch"
        }
    }
}
