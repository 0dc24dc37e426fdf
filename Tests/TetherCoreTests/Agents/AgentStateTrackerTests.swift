import Testing
import TetherCore

/// Hooks and screen readings combine into one state with the precedence, holds and lags the
/// tracker documents; time is passed in, nothing sleeps.
@Suite(.timeLimit(.minutes(1))) struct AgentStateTrackerTests {
    typealias T = AgentStateTracker
    static let edit = AgentPrompt(question: "Do you want to make this edit to test.txt?", choices: AgentScreenFixtures.claudeEditChoices, source: .screen)
    static let asked = AgentPrompt(question: "Which database?", choices: [AgentChoice(number: 1, label: "SQLite"),
                                                                         AgentChoice(number: 2, label: "PostgreSQL")], source: .hook)
    /// Past the hook's trust window.
    static let later = T.hookTrust + .seconds(1)

    @Test func aBusyScreenMeansWorkingWithoutAnyHook() {
        var tracker = T()
        #expect(tracker.status.state == .starting)
        let changed1 = tracker.screenRead(.busy, at: .seconds(1))
        #expect(changed1)
        #expect(tracker.status.state == .working)
        let changed2 = tracker.screenRead(.busy, at: .seconds(2))
        #expect(!changed2, "no change, no update")
    }

    @Test func idleCountsOnlyAfterItHolds() {
        var tracker = T()
        tracker.screenRead(.busy, at: .zero)
        for poll in 1..<T.idleHoldPolls {
            let changed3 = tracker.screenRead(.idle, at: .seconds(poll))
            #expect(!changed3, "poll \(poll) is not enough")
        }
        let changed4 = tracker.screenRead(.idle, at: .seconds(T.idleHoldPolls))
        #expect(changed4)
        #expect(tracker.status == AgentStatus(state: .idle, turn: 1))
    }

    @Test func anythingElseBreaksTheIdleHold() {
        var tracker = T()
        tracker.screenRead(.busy, at: .zero)
        tracker.screenRead(.idle, at: .seconds(1))
        tracker.screenRead(.idle, at: .seconds(2))
        tracker.screenRead(.unknown, at: .seconds(3))
        tracker.screenRead(.idle, at: .seconds(4))
        #expect(tracker.status.state == .working)
    }

    @Test func anInterruptWithoutStopEndsTheTurnByTheScreen() {
        var tracker = T()
        tracker.hookArrived(.proceeding, at: .zero)
        tracker.screenRead(.busy, at: .seconds(1))
        for poll in 0..<T.idleHoldPolls { tracker.screenRead(.idle, at: .milliseconds(1100 + 100 * poll)) }
        #expect(tracker.status.state == .working, "a working hook within the trust window outranks the idle screen")
        let changed5 = tracker.screenRead(.idle, at: Self.later)
        #expect(changed5)
        #expect(tracker.status == AgentStatus(state: .idle, turn: 1))
    }

    @Test func aStopEndsTheTurnAtOnceAndAStaleBusyScreenIsIgnored() {
        var tracker = T()
        tracker.hookArrived(.proceeding, at: .zero)
        let changed6 = tracker.hookArrived(.turnEnded, at: .seconds(10))
        #expect(changed6)
        #expect(tracker.status == AgentStatus(state: .idle, turn: 1))
        let changed7 = tracker.screenRead(.busy, at: .seconds(10) + .milliseconds(200))
        #expect(!changed7, "captured before the Stop")
        let changed8 = tracker.hookArrived(.turnEnded, at: .seconds(11))
        #expect(!changed8, "a second Stop is the same turn")
        let changed9 = tracker.screenRead(.busy, at: .seconds(10) + Self.later)
        #expect(changed9, "past the window the screen is fresher")
        #expect(tracker.status.state == .working)
    }

    @Test func aDialogOutranksWorkAndClosesOnPostToolUse() {
        var tracker = T()
        tracker.hookArrived(.working, at: .zero)
        let changed10 = tracker.screenRead(.prompt(Self.edit), at: .milliseconds(100))
        #expect(changed10, "the dialog right after PreToolUse")
        #expect(tracker.status == AgentStatus(state: .needsInput, prompt: Self.edit))
        let changed11 = tracker.hookArrived(.working, at: .seconds(1))
        #expect(!changed11, "work does not close a dialog")
        let changed12 = tracker.screenRead(.prompt(Self.edit), at: .seconds(2))
        #expect(!changed12)
        let changed13 = tracker.hookArrived(.proceeding, at: .seconds(3))
        #expect(changed13)
        #expect(tracker.status == AgentStatus(state: .working))
        let changed14 = tracker.screenRead(.prompt(Self.edit), at: .seconds(3) + .milliseconds(100))
        #expect(!changed14, "a stale dialog after the answer")
    }

    @Test func aScreenWithoutTheDialogClosesIt() {
        var tracker = T()
        tracker.screenRead(.prompt(Self.edit), at: .zero)
        let changed15 = tracker.screenRead(.busy, at: .seconds(1))
        #expect(changed15)
        #expect(tracker.status == AgentStatus(state: .working))
        tracker.screenRead(.prompt(Self.edit), at: .seconds(2))
        let changed16 = tracker.screenRead(.idle, at: .seconds(3))
        #expect(changed16, "closed: working until idle holds")
        #expect(tracker.status == AgentStatus(state: .working))
    }

    @Test func aDialogHookIsNotUndoneByAScreenThatHasNotDrawnItYet() {
        var tracker = T()
        tracker.hookArrived(.needsInput, at: .zero)
        #expect(tracker.status == AgentStatus(state: .needsInput, prompt: AgentPrompt(question: nil, choices: [], source: .hook)))
        let changed17 = tracker.screenRead(.busy, at: .milliseconds(100))
        #expect(!changed17)
        let changed18 = tracker.screenRead(.unknown, at: Self.later)
        #expect(!changed18, "an unreadable screen says nothing about the dialog")
        let changed19 = tracker.screenRead(.busy, at: Self.later)
        #expect(changed19)
        #expect(tracker.status.state == .working)
    }

    @Test func theScreenFillsInTheChoicesAHookDidNotGive() throws {
        var tracker = T()
        tracker.hookArrived(.needsInput, prompt: AgentPrompt(question: "Claude needs your permission to use Edit", choices: [], source: .hook), at: .zero)
        var scrolled = Self.edit
        scrolled.question = nil
        let changed20 = tracker.screenRead(.prompt(scrolled), at: .milliseconds(200))
        #expect(changed20)
        let prompt = try #require(tracker.status.prompt)
        #expect(prompt.source == .screen && prompt.choices == Self.edit.choices)
        #expect(prompt.question == "Claude needs your permission to use Edit", "the scrolled-away question falls back to the hook's")
    }

    @Test func structuredChoicesWinOverTheScreen() {
        var tracker = T()
        tracker.hookArrived(.needsInput, prompt: Self.asked, at: .zero)
        let changed21 = tracker.screenRead(.prompt(Self.edit), at: .seconds(1))
        #expect(!changed21)
        #expect(tracker.status.prompt == Self.asked)
        let changed22 = tracker.hookArrived(.needsInput, prompt: AgentPrompt(question: nil, choices: [], source: .hook), at: .seconds(2))
        #expect(!changed22)
        #expect(tracker.status.prompt == Self.asked, "a later dialog notification without choices keeps them")
    }

    @Test func aMovedCursorIsNoChange() {
        var tracker = T()
        tracker.screenRead(.prompt(Self.edit), at: .zero)
        var moved = Self.edit
        moved.choices[0].selected = false
        moved.choices[1].selected = true
        let changed23 = tracker.screenRead(.prompt(moved), at: .seconds(1))
        #expect(!changed23)
    }

    @Test func aHookThatNeverFiresLeavesTheScreenToDecide() {
        var tracker = T()
        var changes = 0
        let readings: [ScreenReading] = [.unknown, .idle, .idle, .idle, .busy, .busy, .prompt(Self.edit), .busy, .idle, .idle, .idle]
        for (poll, reading) in readings.enumerated() where tracker.screenRead(reading, at: .seconds(poll)) { changes += 1 }
        #expect(tracker.status == AgentStatus(state: .idle, turn: 1))
        #expect(changes == 5, "starting→idle, →working, →needs_input, →working, →idle")
    }

    @Test func sessionStartEndsStartingOnly() {
        var tracker = T()
        let changed24 = tracker.hookArrived(.started, at: .zero)
        #expect(changed24)
        #expect(tracker.status == AgentStatus(state: .idle, turn: 0), "no turn was done")
        tracker.hookArrived(.proceeding, at: .seconds(1))
        let changed25 = tracker.hookArrived(.started, at: .seconds(2))
        #expect(!changed25, "a resume or compaction mid-turn")
        let changed26 = tracker.hookArrived(.neutral, at: .seconds(3))
        #expect(!changed26)
        #expect(tracker.status.state == .working)
    }

    @Test func aStopAfterADialogEndsTheTurn() throws {
        var tracker = T()
        let payload = try AgentHookPayload.parse(Array(#"{"hook_event_name":"PermissionRequest","tool_name":"Bash"}"#.utf8))
        tracker.hookArrived(payload, at: .zero)
        #expect(tracker.status.state == .needsInput)
        tracker.hookArrived(.turnEnded, at: .seconds(1))
        #expect(tracker.status == AgentStatus(state: .idle, turn: 1))
    }
}
