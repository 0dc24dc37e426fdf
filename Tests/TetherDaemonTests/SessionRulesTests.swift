import Testing
import TetherCore
@testable import TetherDaemon

/// The session parts' rules that need no tmux: the creation slots, titles, input and exit reasons.
@Suite(.timeLimit(.minutes(1))) struct SessionRulesTests {
    @Test func creationSlotsCountLiveSessionsAndCreationsUnderWayAndComeBack() {
        let ledger = SessionLedger()
        var live = 1
        #expect(ledger.reserveCreation(limit: 3, live: { live }) == (true, 2))
        #expect(ledger.reserveCreation(limit: 3, live: { live }) == (true, 3))
        #expect(ledger.reserveCreation(limit: 3, live: { live }) == (false, 3), "one live and two under way fill a limit of 3")
        // One creation finishes: its session is live now, and its slot is given back.
        live = 2
        ledger.releaseCreation()
        #expect(ledger.reserveCreation(limit: 3, live: { live }) == (false, 3))
        // The other fails: its slot comes back and nothing new is live.
        ledger.releaseCreation()
        #expect(ledger.reserveCreation(limit: 3, live: { live }) == (true, 3))
    }

    @Test func aSessionIsEndedOnceWhenACloseAndAnExitMeet() {
        let ledger = SessionLedger()
        #expect(ledger.beginEnding("a"))
        #expect(!ledger.beginEnding("a"), "the second one backs off")
        #expect(ledger.isEnding("a") && !ledger.isEnding("b"))
        ledger.finishEnding("a")
        #expect(!ledger.isEnding("a"))
    }

    @Test func titlesAreThePythonDaemonsAndRepeatsAreNumbered() {
        func title(_ agent: String?, _ mode: String?, _ description: String?, taken: Set<String> = []) -> String {
            SessionTitleBuilder.title(directory: "/src/app", agent: agent, mode: mode, description: description, computer: "mini", taken: taken)
        }
        #expect(title(nil, nil, "first") == "app: $mini - first")
        #expect(title("claude", nil, nil) == "app: Claude-slow@mini - Untitled")
        #expect(title("gemini", "fast", "") == "app: Gemini-fast@mini - Untitled")
        #expect(title(nil, nil, "x", taken: ["app: $mini - x", "app: $mini - x (2)"]) == "app: $mini - x (3)")
    }

    @Test func inputToAnAgentWithPunctuationIsPastedAndGeminiGetsItsBangsEscaped() {
        #expect(SessionInputSender.needsPaste("fix it, please", agent: "claude"))
        #expect(SessionInputSender.needsPaste("two\nlines", agent: "claude"))
        #expect(!SessionInputSender.needsPaste("/compact now, please", agent: "claude"), "a slash command is typed")
        #expect(!SessionInputSender.needsPaste("echo a, b", agent: nil), "a shell gets keys")
        #expect(SessionInputSender.typed("run it!", agent: "gemini") == "run it\\!")
        #expect(SessionInputSender.typed("run it!", agent: "claude") == "run it!")
        #expect(SessionInputSender.shellQuote("it's") == "'it'\\''s'")
    }

    @Test func exitReasonsNameTheSignalAndSuspectTheMemoryLimitForAKill() {
        #expect(SessionScopeController.describe(exitStatus: 7, memoryMax: nil) == "exited with status 7")
        #expect(SessionScopeController.describe(exitStatus: 143, memoryMax: "1G") == "killed by SIGTERM")
        #expect(SessionScopeController.describe(exitStatus: 137, memoryMax: "1G") == "killed by SIGKILL (memory limit 1G?)")
        #expect(SessionScopeController.describe(exitStatus: 158, memoryMax: nil) == "killed by signal 30")
    }
}
