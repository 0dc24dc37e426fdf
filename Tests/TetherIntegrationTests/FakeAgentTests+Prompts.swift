import Foundation
import Testing

/// Permission prompts in each CLI's shape, answered by a digit; ordinary numbered output; input while busy.
extension FakeAgentTests {
    static let promptBlocks: [(String, [String])] = [
        ("claude", ["Do you want to make this edit to test.txt?", "❯ 1. Yes",
                    "  2. Yes, allow all edits during this session (shift+tab)", "  3. No, and tell Claude what to do differently (esc)"]),
        ("gemini", ["Apply this change?", "● 1. Allow once", "  2. Allow for this session", "  3. No, suggest changes (esc)"]),
        ("codex", ["Would you like to run the following command?", "› 1. Yes, proceed (y)",
                   "  2. Yes, and don't ask again for this command (a)", "  3. No, and tell Codex what to do differently (esc)"]),
    ]

    @Test(arguments: promptBlocks)
    func thePermissionPromptHasTheRealShapeAndADigitAnswersIt(flavour: String, block: [String]) async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: flavour)
        try await agent.type("EDIT test.txt")
        _ = try await agent.enterUntilSubmitted()
        let shown = { try await agent.screenLines().contains(block[0]) }
        #expect(try await eventually(shown))
        let lines = try await agent.screenLines()
        let top = try #require(lines.firstIndex(of: block[0]))
        #expect(Array(lines[top..<min(top + block.count, lines.count)]) == block)
        #expect(!lines.contains { $0.contains("esc to interrupt)") || $0.contains("(esc to cancel, ") }, "no spinner under a dialog")
        try await agent.keys("1")
        #expect(await eventually { agent.events(named: "answer").compactMap { $0 as? Int } == [1] })
        #expect(try await eventually { let screen = try await agent.screen(); return try await !shown() && screen.contains("Done: EDIT test.txt") })
        #expect(agent.events(named: "turn_end").count == 1)
        #expect(agent.submits == ["EDIT test.txt"], "the digit went to the dialog, not the draft")
    }

    @Test func aLongDiffPushesTheDialogsHeadOffTheScreenButNotItsOptions() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: "claude", arguments: ["--diff-lines", "60"])
        try await agent.type("EDIT big.txt")
        _ = try await agent.enterUntilSubmitted()
        #expect(try await eventually { try await agent.screenLines().contains("❯ 1. Yes") })
        let lines = try await agent.screenLines()
        #expect(lines.contains("Do you want to make this edit to big.txt?"))
        #expect(!lines.contains("╭─ Edit file ─"), "the head scrolled away")
        try await agent.keys("2")
        #expect(await eventually { agent.events(named: "answer").compactMap { $0 as? Int } == [2] })
    }

    @Test func escInAPromptRefusesAndEndsTheTurnWithoutAStop() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: "claude")
        try await agent.type("EDIT test.txt")
        _ = try await agent.enterUntilSubmitted()
        #expect(try await eventually { try await agent.screen().contains("Do you want to make this edit") })
        try await agent.keys("Escape")
        #expect(await eventually { agent.events(named: "answer").compactMap { $0 as? Int } == [3] })
        #expect(try await eventually { try await agent.screen().contains("Interrupted") })
        #expect(agent.events(named: "turn_end").isEmpty)
    }

    @Test func aNumberedListInTheReplyIsOrdinaryOutput() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: "claude")
        try await agent.type("LIST the choices")
        _ = try await agent.enterUntilSubmitted()
        #expect(try await eventually { try await agent.screenLines().contains("  1. Yes") })
        #expect(await eventually { agent.events(named: "turn_end").count == 1 })
        let lines = try await agent.screenLines()
        #expect(lines.contains("> ") || lines.contains(">"), "the input box is back: no dialog")
        try await agent.keys("1")
        #expect(try await eventually { try await agent.screenLines().contains("> 1") }, "a digit now goes into the draft")
        #expect(agent.events(named: "answer").isEmpty)
    }

    @Test func inputWhileWorkingStaysInTheDraftAndItsEnterIsIgnored() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let agent = try await FakeAgentPane.start(world, flavour: "claude", arguments: ["--work-ms", "2500"])
        try await agent.type("first")
        _ = try await agent.enterUntilSubmitted()
        #expect(try await eventually { try await agent.screen().contains("esc to interrupt") })
        try await agent.type("second")
        try await agent.keys("Enter")
        #expect(await eventually { agent.events(named: "enter_ignored").compactMap { $0 as? String } == ["working"] })
        #expect(await eventually { agent.events(named: "turn_end").count == 1 })
        #expect(try await agent.screenLines().contains("> second"))
        #expect(agent.submits == ["first"])
    }
}
