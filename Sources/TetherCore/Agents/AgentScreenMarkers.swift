/// The fixed strings each agent CLI draws: busy lines, dialog cursors and input prompts, as the
/// current Claude Code, Gemini CLI and Codex CLI show them.
struct AgentScreenMarkers: Sendable {
    /// Shown in parentheses on the busy line while a turn runs: Claude's
    /// `✻ Thinking… (3s · esc to interrupt)`, Codex's `Working (5s • esc to interrupt)`, Gemini's
    /// `(esc to cancel, 12s)`. Compared lowercased.
    let busy: [String]
    /// The cursor before the selected option of a dialog: Claude `❯`, Codex `›`, Gemini `●`.
    let cursors: [Character]
    /// Starts the input line between two rules (Claude `> `, Gemini `>   Type your message`).
    let boxedInputPrompts: [Character]
    /// Shown on an empty input line (Gemini's `>   Type your message or @path/to/file`): the line
    /// is the input prompt even where no rule is drawn around it.
    let placeholders: [String]
    /// Starts Codex's input line, which has no box but a key hint below it.
    let hintedInputPrompts: [Character]
    /// On the line under a hinted input line when the composer is showing (`⏎ send`, `? for shortcuts`).
    let inputHints: [String]

    static func of(_ kind: AgentKind) -> AgentScreenMarkers {
        switch kind {
        case .claude: claude
        case .gemini: gemini
        case .codex: codex
        case .other: other
        }
    }

    static let claude = AgentScreenMarkers(busy: ["esc to interrupt"], cursors: ["❯"], boxedInputPrompts: [">", "❯"], placeholders: [],
                                           hintedInputPrompts: [], inputHints: [])
    static let gemini = AgentScreenMarkers(busy: ["esc to cancel"], cursors: ["●"], boxedInputPrompts: [">"], placeholders: ["Type your message"],
                                           hintedInputPrompts: [], inputHints: [])
    static let codex = AgentScreenMarkers(busy: ["esc to interrupt"], cursors: ["›"], boxedInputPrompts: [], placeholders: [],
                                          hintedInputPrompts: ["›"], inputHints: ["⏎ send", "? for shortcuts", "context left"])
    static let other = AgentScreenMarkers(busy: claude.busy + gemini.busy, cursors: claude.cursors + gemini.cursors + codex.cursors,
                                          boxedInputPrompts: claude.boxedInputPrompts, placeholders: gemini.placeholders,
                                          hintedInputPrompts: codex.hintedInputPrompts, inputHints: codex.inputHints)

    /// Whether `line` is a busy line: a marker inside parentheses, so a sentence that merely
    /// mentions the words (in a diff, in docs the agent prints) does not count.
    func isBusy(_ line: AgentScreenLine) -> Bool {
        let text = line.text.lowercased()
        return busy.contains { marker in
            guard let range = text.range(of: marker) else { return false }
            return text[..<range.lowerBound].contains("(") && text[range.upperBound...].contains(")")
        }
    }

    /// Whether the window shows the agent's input prompt: a prompt line right under a rule with a
    /// rule below it (a draft may span a few lines), or a hinted prompt line with its hint below.
    func showsInputPrompt(_ window: [AgentScreenLine]) -> Bool {
        for (index, line) in window.enumerated() {
            guard let first = line.text.first, AgentPromptBlockParser.option(line, cursors: cursors) == nil else { continue }
            let below = window[(index + 1)...].prefix(Self.draftLines)
            if boxedInputPrompts.contains(first) {
                if index > 0, window[index - 1].isRule, below.contains(where: \.isRule) { return true }
                if placeholders.contains(where: line.text.contains) { return true }
            }
            if hintedInputPrompts.contains(first), below.contains(where: { hint in inputHints.contains { hint.text.contains($0) } }) {
                return true
            }
        }
        return false
    }

    /// Lines a draft in the input box may take before its closing rule or hint is looked for.
    static let draftLines = 4
}
