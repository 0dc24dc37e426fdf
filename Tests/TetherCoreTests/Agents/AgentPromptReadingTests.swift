import Testing
import TetherCore

/// Dialogs are read with their question and numbered choices; numbered lists that are not
/// dialogs are not.
@Suite(.timeLimit(.minutes(1))) struct AgentPromptReadingTests {
    typealias F = AgentScreenFixtures

    func prompt(_ kind: AgentKind, _ lines: [String]) -> AgentPrompt? {
        guard case .prompt(let prompt) = AgentScreenReader(kind: kind).read(lines) else { return nil }
        return prompt
    }

    @Test func claudesEditDialog() {
        let read = prompt(.claude, F.history + F.claudeWork + F.claudeEditDialog)
        #expect(read == AgentPrompt(question: "Do you want to make this edit to test.txt?", choices: F.claudeEditChoices, source: .screen))
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let kind: AgentKind
        let lines: [String]
        let question: String?
        let labels: [String]
        let selected: Int
        var testDescription: String { name }
    }

    static let dialogs: [Case] = [
        Case(name: "claude bash with footer", kind: .claude, lines: F.claudeBashDialog, question: "Do you want to proceed?",
             labels: ["Yes", "Yes, and don't ask again for npm test commands in /srv/app", "No, and tell Claude what to do differently (esc)"], selected: 1),
        Case(name: "claude in a box, cursor moved", kind: .claude, lines: F.claudeBoxedDialog, question: "Do you want to create test.txt?",
             labels: ["Yes", "Yes, allow all edits during this session (shift+tab)", "No, and tell Claude what to do differently (esc)"], selected: 2),
        Case(name: "claude question with descriptions", kind: .claude, lines: F.claudeQuestionDialog,
             question: "Which database should the service use?", labels: ["SQLite", "PostgreSQL", "Type something."], selected: 1),
        Case(name: "codex command", kind: .codex, lines: F.codexInput + F.codexDialog, question: "Would you like to run the following command?",
             labels: ["Yes, proceed (y)", "Yes, and don't ask again for this command (a)", "No, and tell Codex what to do differently (esc)"], selected: 1),
        Case(name: "codex short question", kind: .codex, lines: ["Allow command?", "› 1. Yes, proceed (y)", "  2. No (esc)"],
             question: "Allow command?", labels: ["Yes, proceed (y)", "No (esc)"], selected: 1),
        Case(name: "gemini in its box", kind: .gemini, lines: F.geminiDialog, question: "Apply this change?",
             labels: ["Allow once", "Allow for this session", "No, suggest changes (esc)"], selected: 1),
        Case(name: "question scrolled off the top", kind: .claude, lines: Array(F.claudeEditDialog.suffix(3)), question: nil,
             labels: ["Yes", "Yes, allow all edits during this session (shift+tab)", "No, and tell Claude what to do differently (esc)"], selected: 1),
        Case(name: "other knows every cursor", kind: .other, lines: F.geminiDialog, question: "Apply this change?",
             labels: ["Allow once", "Allow for this session", "No, suggest changes (esc)"], selected: 1),
    ]

    @Test(arguments: dialogs) func readsTheDialog(_ c: Case) throws {
        let read = try #require(prompt(c.kind, c.lines), "\(c.name)")
        #expect(read.question == c.question)
        #expect(read.choices.map(\.label) == c.labels)
        #expect(read.choices.map(\.number) == Array(1...c.labels.count))
        #expect(read.choices.filter(\.selected).map(\.number) == [c.selected])
        #expect(read.source == .screen)
    }

    struct Output: CustomTestStringConvertible, Sendable {
        let name: String
        let kind: AgentKind
        let lines: [String]
        init(_ name: String, _ kind: AgentKind, _ lines: [String]) { (self.name, self.kind, self.lines) = (name, kind, lines) }
        var testDescription: String { name }
    }

    static let notDialogs: [Output] = [
        Output("a numbered list in output", .claude, ["Here is the plan?", "1. Install", "2. Build", "3. Test"]),
        Output("a numbered list above the input box", .claude, ["Steps:", "1. Install", "2. Build"] + F.claudeInput),
        Output("no question line above", .claude, ["Results:", "❯ 1. first", "  2. second"]),
        Output("numbers skip", .claude, ["Pick one?", "❯ 1. a", "  2. b", "  4. c"]),
        Output("numbers start past 1", .claude, ["Pick one?", "❯ 2. a", "  3. b"]),
        Output("two cursors", .claude, ["Pick one?", "❯ 1. a", "❯ 2. b"]),
        Output("a single option", .claude, ["Pick one?", "❯ 1. a"]),
        Output("not at the bottom", .claude, F.claudeEditDialog + ["more", "output", "after", "it"]),
        Output("another agent's cursor", .claude, ["Allow command?", "› 1. Yes, proceed (y)", "  2. No (esc)"]),
        Output("options out of step", .claude, ["Pick one?", "❯ 1. a", "      2. b"]),
        Output("a stray line between options", .claude, ["Pick one?", "❯ 1. a", "unrelated", "  2. b"]),
        Output("a rule between question and options", .claude, ["Pick one?", "──────────", "❯ 1. a", "  2. b"]),
        Output("no space after the dot", .codex, ["Allow?", "› 1.5 Yes", "  2.5 No"]),
    ]

    @Test(arguments: notDialogs) func ordinaryOutputIsNoDialog(_ output: Output) {
        #expect(prompt(output.kind, output.lines) == nil, "\(output.name)")
    }
}
