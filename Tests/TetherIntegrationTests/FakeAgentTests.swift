import Foundation
import Testing

/// The fake agent CLI in real tmux: what Tether's agent awareness is tested against must itself behave
/// as Claude Code, Gemini CLI and Codex CLI do at the edges (paste, Enter, busy, prompts).
@Suite(.serialized, .timeLimit(.minutes(5))) struct FakeAgentTests {
    static let multiLine = "first line\nsecond \"quoted\" Enter C-c $HOME\n\tindented; echo 'done'"

    @Test func aPasteThenASeparateEnterIsOneSubmitOfTheExactText() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: "claude")
        try await agent.paste(Self.multiLine)
        #expect(await eventually { agent.bytesRead >= Self.multiLine.utf8.count + 12 })
        #expect(agent.submits.isEmpty, "a paste alone submits nothing")
        _ = try await agent.enterUntilSubmitted()
        #expect(agent.submits == [Self.multiLine])
    }

    @Test func textAndEnterInOneBurstIsANewlineNotASubmit() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: "claude")
        try await agent.keys("hello", "Enter")
        #expect(await eventually { agent.bytesRead >= 6 })
        #expect(try await eventually { try await agent.screenLines().contains("> hello") })
        #expect(agent.submits.isEmpty)
        _ = try await agent.enterUntilSubmitted()
        #expect(agent.submits == ["hello\n"])
    }

    @Test func anEnterRightAfterAPasteIsIgnoredAndALaterOneSubmits() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: "claude")
        try await agent.paste("one\ntwo", then: [";", "send-keys", "-t", agent.name, "Enter"])
        #expect(await eventually { !agent.events(named: "enter_ignored").isEmpty })
        #expect(agent.submits.isEmpty)
        #expect(agent.events(named: "enter_ignored").allSatisfy { ["after_paste", "with_paste"].contains($0 as? String) })
        _ = try await agent.enterUntilSubmitted()
        #expect(agent.submits == ["one\ntwo"])
    }

    @Test func swallowedEntersAreLoggedAndTheNextOneSubmits() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: "codex", arguments: ["--swallow-enter", "2"])
        try await agent.type("retry me")
        #expect(try await agent.enterUntilSubmitted() == 3)
        #expect(agent.events(named: "enter_ignored").compactMap { $0 as? String } == ["swallowed", "swallowed"])
        #expect(agent.submits == ["retry me"])
    }

    @Test(arguments: [("claude", "✻ Thinking… (", "esc to interrupt)"), ("gemini", "Thinking (esc to cancel, ", "s)"),
                      ("codex", "• Working (", "esc to interrupt)")])
    func theBusyMarkerShowsWhileWorkingThenGoes(flavour: String, start: String, end: String) async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: flavour)
        try await agent.type("hi")
        _ = try await agent.enterUntilSubmitted()
        let busy = { try await agent.screenLines().contains { $0.contains(start) && $0.hasSuffix(end) } }
        #expect(try await eventually(busy))
        #expect(try await eventually { let screen = try await agent.screen(); return try await !busy() && screen.contains("Done: hi") })
        #expect(agent.events(named: "turn_end").count == 1)
    }

    @Test func escWhileWorkingInterruptsWithoutAStop() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let hooks = world.dir.file("hooks.jsonl")
        try FakeAgentHookFiles.claudeSettings(world, appendingTo: hooks)
        let agent = try await FakeAgentPane.start(world, flavour: "claude", arguments: ["--settings", world.dir.file("settings.json"), "--work-ms", "30000"])
        try await agent.type("long job")
        _ = try await agent.enterUntilSubmitted()
        #expect(try await eventually { try await agent.screen().contains("esc to interrupt") })
        try await agent.keys("Escape")
        #expect(await eventually { agent.events(named: "interrupt").count == 1 })
        #expect(try await eventually { try await agent.screen().contains("Interrupted · What should Claude do instead?") })
        #expect(await eventually { FakeAgentPane.jsonLines(hooks).contains { $0["hook_event_name"] as? String == "UserPromptSubmit" } })
        #expect(!FakeAgentPane.jsonLines(hooks).contains { $0["hook_event_name"] as? String == "Stop" })
        #expect(agent.events(named: "turn_end").isEmpty)
    }
}
