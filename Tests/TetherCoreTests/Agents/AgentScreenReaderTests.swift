import Testing
import TetherCore

/// The screen reader tells busy, idle, a dialog and anything else apart per agent, from the
/// bottom of the screen only.
@Suite(.timeLimit(.minutes(1))) struct AgentScreenReaderTests {
    typealias F = AgentScreenFixtures

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let kind: AgentKind
        let lines: [String]
        let expected: Kind
        enum Kind: Sendable { case busy, idle, unknown, prompt }
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "claude idle", kind: .claude, lines: F.history + F.claudeWork + F.claudeInput, expected: .idle),
        Case(name: "claude idle in a box", kind: .claude, lines: F.claudeWork + F.claudeBoxedInput, expected: .idle),
        Case(name: "claude idle with a draft", kind: .claude, lines: F.claudeWork + ["────────", "> fix the", "  failing test", "────────"], expected: .idle),
        Case(name: "claude busy with the input box", kind: .claude, lines: F.claudeWork + F.claudeSpinner + F.claudeInput, expected: .busy),
        Case(name: "claude busy scrolled above the window", kind: .claude, lines: F.claudeSpinner + F.history + F.claudeInput, expected: .idle),
        Case(name: "busy words outside parentheses", kind: .claude, lines: ["Press esc to interrupt the agent."] + F.claudeInput, expected: .idle),
        Case(name: "gemini busy", kind: .gemini, lines: F.geminiSpinner + F.geminiInput, expected: .busy),
        Case(name: "gemini idle", kind: .gemini, lines: F.history + F.geminiInput, expected: .idle),
        Case(name: "gemini idle without a box", kind: .gemini, lines: F.history + [">   Type your message or @path/to/file"], expected: .idle),
        Case(name: "a bare > line is no input box", kind: .gemini, lines: F.history + ["> quoted mail"], expected: .unknown),
        Case(name: "codex busy", kind: .codex, lines: F.codexSpinner + F.codexInput, expected: .busy),
        Case(name: "codex idle", kind: .codex, lines: F.history + F.codexInput, expected: .idle),
        Case(name: "codex idle, newer hint", kind: .codex, lines: ["› Ask Codex", "", "  100% context left · ? for shortcuts"], expected: .idle),
        Case(name: "codex prompt line without a hint", kind: .codex, lines: ["› Ask Codex"], expected: .unknown),
        Case(name: "claude spinner is not gemini's", kind: .gemini, lines: F.claudeSpinner, expected: .unknown),
        Case(name: "other reads every agent's busy line", kind: .other, lines: F.geminiSpinner, expected: .busy),
        Case(name: "an empty screen", kind: .claude, lines: [], expected: .unknown),
        Case(name: "a shell", kind: .claude, lines: ["user@host:~$ ls", "a b c", "user@host:~$ "], expected: .unknown),
        Case(name: "a dialog wins over a busy line", kind: .claude, lines: F.claudeSpinner + F.claudeEditDialog, expected: .prompt),
    ]

    @Test(arguments: cases) func readsTheBottomOfTheScreen(_ c: Case) {
        let reading = AgentScreenReader(kind: c.kind).read(c.lines)
        switch (c.expected, reading) {
        case (.busy, .busy), (.idle, .idle), (.unknown, .unknown), (.prompt, .prompt): break
        default: Issue.record("\(c.name): read \(reading)")
        }
    }

    @Test(arguments: cases) func aWholeScreenReadsAsItsLinesDo(_ c: Case) {
        let reader = AgentScreenReader(kind: c.kind)
        #expect(reader.read(screen: c.lines.joined(separator: "\n")) == reader.read(c.lines), "\(c.name)")
        #expect(reader.read(screen: (c.lines + ["", "   "]).joined(separator: "\n")) == reader.read(c.lines), "\(c.name), blank lines below")
    }

    @Test func aWholeCapturedScreenReadsAsItsLines() {
        let screen = (F.claudeWork + F.claudeSpinner + F.claudeInput).joined(separator: "\n")
        #expect(AgentScreenReader(kind: .claude).read(screen: screen) == .busy)
    }

    @Test func onlyTheBottomWindowCounts() {
        let lines = F.claudeSpinner + (1...AgentScreenReader.windowLines).map { "line \($0)" }
        #expect(AgentScreenReader(kind: .claude).read(lines) == .unknown, "the busy line scrolled out of the window")
        let blanksBetween = F.claudeSpinner + Array(repeating: "", count: 50) + F.claudeInput
        #expect(AgentScreenReader(kind: .claude).read(blanksBetween) == .busy, "empty lines do not push it out")
    }
}
