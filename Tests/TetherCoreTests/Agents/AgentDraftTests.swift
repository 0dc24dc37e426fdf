import Testing
import TetherCore

/// The draft in an agent's input box, read from the screen, and whether it left the box after an
/// Enter: the confirmation of a submit for agents without a prompt-submit hook.
@Suite(.timeLimit(.minutes(1))) struct AgentDraftTests {
    typealias F = AgentScreenFixtures

    func draft(_ kind: AgentKind, _ lines: [String]) -> String? {
        AgentScreenReader(kind: kind).draft(screen: lines.joined(separator: "\n"))
    }

    @Test func theBoxesTextIsReadWithoutItsPromptCharacterOrBorders() {
        #expect(draft(.claude, F.history + F.claudeInput) == "")
        #expect(draft(.claude, F.claudeWork + F.claudeBoxedInput) == "")
        #expect(draft(.claude, F.claudeWork + ["────────", "> fix the", "  failing test", "────────", "  ? for shortcuts"]) == "fix the\nfailing test")
        #expect(draft(.claude, ["╭────────╮", "│ > hello │", "╰────────╯"]) == "hello")
        #expect(draft(.gemini, F.history + F.geminiInput) == "Type your message or @path/to/file", "the placeholder is kept as text")
        #expect(draft(.codex, ["› run the tests", "", "  ⏎ send   ⌃J newline"]) == "run the tests")
    }

    @Test func noInputBoxReadsNil() {
        #expect(draft(.claude, F.history) == nil)
        #expect(draft(.claude, ["user@host:~$ ls", "a b c", "user@host:~$ "]) == nil)
        #expect(draft(.codex, ["› Ask Codex"]) == nil, "a prompt line without its hint")
        #expect(draft(.claude, F.claudeEditDialog) == nil, "a dialog is not an input box")
    }

    @Test func theBottomMostBoxIsTheOneRead() {
        let old = ["────────", "> an old draft", "────────"]
        #expect(draft(.claude, old + F.history.suffix(3) + ["────────", "> the new one", "────────"]) == "the new one")
    }

    @Test func aDraftLeavesWhenNoLineOfTheBoxIsItsLastLineAnyMore() {
        #expect(AgentScreenReader.draftLeft("hello", now: ""))
        #expect(AgentScreenReader.draftLeft("fix the\nfailing test", now: "Try \"refactor the parser\""))
        #expect(AgentScreenReader.draftLeft("hi", now: "Ask Codex to do anything"), "a placeholder holding the draft's letters is not the draft")
        #expect(!AgentScreenReader.draftLeft("hello", now: "hello"), "a swallowed Enter")
        #expect(!AgentScreenReader.draftLeft("hello", now: "hello\n"), "an Enter taken as a newline")
        #expect(!AgentScreenReader.draftLeft("fix the\nfailing test", now: "fix the\nfailing test\nx"))
        #expect(!AgentScreenReader.draftLeft("", now: ""), "an empty draft tells nothing")
        #expect(!AgentScreenReader.draftLeft("  \n ", now: ""))
    }
}
