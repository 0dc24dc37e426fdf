import Foundation
import Testing

/// Hooks read where each CLI reads them, called with the real payload fields at the real points.
extension FakeAgentTests {
    @Test func claudeHooksCarryThePayloadFieldsAtEachPoint() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let hooks = world.dir.file("hooks.jsonl")
        try FakeAgentHookFiles.claudeSettings(world, appendingTo: hooks)
        let agent = try await FakeAgentPane.start(world, flavour: "claude", arguments: ["--settings", world.dir.file("settings.json")])
        try await agent.type("EDIT test.txt")
        _ = try await agent.enterUntilSubmitted()
        #expect(try await eventually { try await agent.screen().contains("Do you want to make this edit to test.txt?") })
        try await agent.keys("1")
        #expect(await eventually { FakeAgentPane.jsonLines(hooks).contains { $0["hook_event_name"] as? String == "Stop" } })
        let payloads = FakeAgentPane.jsonLines(hooks)
        #expect(payloads.compactMap { $0["hook_event_name"] as? String } == FakeAgentHookFiles.claudeEvents)
        let start = try #require(agent.events(named: "start").first as? [String: Any])
        for payload in payloads {
            #expect(payload["session_id"] as? String == start["session_id"] as? String)
            #expect(payload["transcript_path"] as? String == agent.transcript)
            #expect((payload["cwd"] as? String)?.hasSuffix("/home") == true)
        }
        let byEvent = Dictionary(payloads.map { ($0["hook_event_name"] as? String ?? "", $0) }) { first, _ in first }
        #expect(byEvent["UserPromptSubmit"]?["prompt"] as? String == "EDIT test.txt")
        #expect(byEvent["PreToolUse"]?["tool_name"] as? String == "Edit")
        #expect(((byEvent["PreToolUse"]?["tool_input"] as? [String: Any])?["file_path"] as? String)?.hasSuffix("/test.txt") == true)
        #expect(byEvent["Notification"]?["notification_type"] as? String == "permission_prompt")
        #expect(byEvent["Stop"]?["last_assistant_message"] as? String == "Done: EDIT test.txt")
        #expect(agent.events(named: "answer").compactMap { $0 as? Int } == [1])
        #expect(FakeAgentHookFiles.globalDirectories(world).isEmpty)
    }

    @Test func geminiReadsHooksFromTheSystemSettingsPath() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let hooks = world.dir.file("hooks.jsonl")
        try FakeAgentHookFiles.claudeSettings(world, appendingTo: hooks, events: FakeAgentHookFiles.geminiEvents)
        let agent = try await FakeAgentPane.start(world, flavour: "gemini",
                                                  environment: ["GEMINI_CLI_SYSTEM_SETTINGS_PATH": world.dir.file("settings.json")])
        try await agent.type("EDIT notes.md")
        _ = try await agent.enterUntilSubmitted()
        #expect(try await eventually { try await agent.screen().contains("Apply this change?") })
        try await agent.keys("2")
        #expect(await eventually { FakeAgentPane.jsonLines(hooks).contains { $0["hook_event_name"] as? String == "AfterAgent" } })
        let payloads = FakeAgentPane.jsonLines(hooks)
        #expect(payloads.compactMap { $0["hook_event_name"] as? String } == FakeAgentHookFiles.geminiEvents)
        #expect(payloads.first { $0["hook_event_name"] as? String == "BeforeAgent" }?["prompt"] as? String == "EDIT notes.md")
        #expect(payloads.first { $0["hook_event_name"] as? String == "BeforeTool" }?["tool_name"] as? String == "replace")
        #expect(payloads.first { $0["hook_event_name"] as? String == "AfterAgent" }?["prompt_response"] as? String == "Done: EDIT notes.md")
        #expect(FakeAgentHookFiles.globalDirectories(world).isEmpty)
    }

    @Test func codexNotifyGetsTheTurnAsItsLastArgument() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let notified = world.dir.file("notify.jsonl")
        let script = world.dir.file("notify.sh")
        try world.dir.write("notify.sh", "printf '%s\\n' \"$2\" >> \(FakeAgentPane.quoted(notified))\n")
        let agent = try await FakeAgentPane.start(world, flavour: "codex", arguments: ["-c", "notify=[\"/bin/sh\", \"\(script)\", \"first\"]"])
        try await agent.type("make it so")
        _ = try await agent.enterUntilSubmitted()
        #expect(await eventually { !FakeAgentPane.jsonLines(notified).isEmpty })
        let payload = try #require(FakeAgentPane.jsonLines(notified).first)
        #expect(payload["type"] as? String == "agent-turn-complete")
        #expect(payload["input-messages"] as? [String] == ["make it so"])
        #expect(payload["last-assistant-message"] as? String == "Done: make it so")
        #expect(payload["turn-id"] is String)
        #expect(FakeAgentHookFiles.globalDirectories(world).isEmpty)
    }

    @Test func noStopHookEndsTheTurnOnScreenOnly() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let hooks = world.dir.file("hooks.jsonl")
        try FakeAgentHookFiles.claudeSettings(world, appendingTo: hooks)
        let agent = try await FakeAgentPane.start(world, flavour: "claude", arguments: ["--settings", world.dir.file("settings.json"), "--no-stop-hook"])
        try await agent.type("quiet")
        _ = try await agent.enterUntilSubmitted()
        #expect(try await eventually { try await agent.screen().contains("Done: quiet") })
        #expect(agent.events.contains { $0["turn_end"] != nil && $0["stop_hook"] as? Bool == false })
        // Hooks run one at a time in order: once the prompt's hook has run, a Stop would have been queued.
        #expect(await eventually { agent.events(named: "hook").compactMap { $0 as? String }.contains("UserPromptSubmit") })
        #expect(FakeAgentPane.jsonLines(hooks).compactMap { $0["hook_event_name"] as? String } == ["SessionStart", "UserPromptSubmit"])
    }

    @Test func aLaggingTranscriptComesAfterTheStopAndASplitMessageSharesItsID() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let hooks = world.dir.file("hooks.jsonl")
        let counts = world.dir.file("counts")
        let transcript = world.dir.file("fa.jsonl")
        try FakeAgentHookFiles.claudeSettings(world, appendingTo: hooks, events: ["Stop"],
                                              extra: "; grep -c assistant \(FakeAgentPane.quoted(transcript)) >> \(FakeAgentPane.quoted(counts))")
        let agent = try await FakeAgentPane.start(world, flavour: "claude", arguments: [
            "--settings", world.dir.file("settings.json"), "--transcript-lag-ms", "800", "--split-assistant"])
        try await agent.type("lag")
        _ = try await agent.enterUntilSubmitted()
        #expect(await eventually { (try? String(contentsOfFile: counts, encoding: .utf8))?.hasSuffix("\n") == true })
        #expect(try String(contentsOfFile: counts, encoding: .utf8) == "0\n", "at Stop the reply is not in the transcript yet")
        let assistant = { FakeAgentPane.jsonLines(transcript).filter { $0["type"] as? String == "assistant" } }
        #expect(await eventually { assistant().count == 2 })
        let messages = assistant().compactMap { $0["message"] as? [String: Any] }
        #expect(Set(messages.compactMap { $0["id"] as? String }).count == 1)
        let text = messages.flatMap { $0["content"] as? [[String: Any]] ?? [] }.compactMap { $0["text"] as? String }.joined()
        #expect(text == "Done: lag")
        #expect(FakeAgentPane.jsonLines(hooks).first?["last_assistant_message"] as? String == "Done: lag")
    }
}
