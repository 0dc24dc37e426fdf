import Foundation
import Testing
import TetherCore
@testable import TetherDaemon

/// A Claude-style transcript line: `type`, `message: {id, role, content}`, `timestamp`.
func transcriptLine(_ type: String, id: String = UUID().uuidString, _ content: Any, at time: String? = nil) -> String {
    var entry: [String: Any] = ["type": type, "message": ["id": id, "role": type, "content": content] as [String: Any]]
    if let time { entry["timestamp"] = time }
    let data = (try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}

func stamp(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }

@Suite(.timeLimit(.minutes(1)))
struct AgentTranscriptParserTests {
    func parse(_ lines: [String], fromMiddle: Bool = false, newline: Bool = true) -> AgentTranscriptParser {
        AgentTranscriptParser.parse(Array((lines.joined(separator: "\n") + (newline ? "\n" : "")).utf8), fromMiddle: fromMiddle)
    }

    @Test func anAssistantMessageSplitOverLinesIsOneMessage() {
        let parsed = parse([
            transcriptLine("user", "say hello", at: "2026-11-30T10:00:00.000Z"),
            transcriptLine("assistant", id: "msg_1", [["type": "thinking", "thinking": "hmm"]], at: "2026-11-30T10:00:01.000Z"),
            transcriptLine("assistant", id: "msg_1", [["type": "text", "text": "Hel"]], at: "2026-11-30T10:00:02.000Z"),
            transcriptLine("assistant", id: "msg_1", [["type": "text", "text": "lo there"]], at: "2026-11-30T10:00:03.000Z"),
            transcriptLine("assistant", id: "msg_1", [["type": "tool_use", "name": "Bash", "input": ["command": "ls"]]]),
            transcriptLine("user", [["type": "tool_result", "tool_use_id": "t1", "content": "a.txt"]]),
            transcriptLine("assistant", id: "msg_2", [["type": "text", "text": "Done."]], at: "2026-11-30T10:00:05.000Z"),
        ])
        #expect(parsed.messages.map(\.role) == [.user, .assistant, .assistant])
        #expect(parsed.messages.map(\.text) == ["say hello", "Hello there\n🔧 **TOOL CALL:** Bash", "Done."])
        #expect(parsed.messages[1].timestamp == stamp("2026-11-30T10:00:02Z"), "the time of the message's first text")
        #expect(parsed.malformed == 0 && parsed.recognized == 7)
    }

    @Test func malformedLinesAreSkippedAndCountedButALineBeingWrittenIsNot() {
        let lines = ["{not json", transcriptLine("user", "one"), "[1, 2]", "", transcriptLine("summary", "x"), "{\"type\":\"user\",\"mess"]
        let parsed = parse(lines, newline: false)
        #expect(parsed.messages.map(\.text) == ["one"])
        #expect(parsed.malformed == 2, "the last line has no newline yet: still being written")
        #expect(parse(lines).malformed == 3)
        #expect(parse([transcriptLine("user", "cut"), transcriptLine("user", "two")], fromMiddle: true).messages.map(\.text) == ["two"])
    }

    @Test func codexAndGeminiShapesRead() throws {
        let codex = #"{"type":"response_item","timestamp":"2026-11-30T10:00:00Z","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"codex says"}]}}"#
        #expect(parse([codex, #"{"type":"session_meta","payload":{}}"#]).messages.map(\.text) == ["codex says"])
        let gemini = #"{"sessionId":"s","messages":[{"id":"1","type":"user","content":"hi","timestamp":"2026-11-30T10:00:00Z"},"#
            + #"{"id":"2","type":"gemini","content":"hello","timestamp":"2026-11-30T10:00:01Z"},{"type":"info","content":"x"}]}"#
        let document = try #require(AgentTranscriptParser.parseDocument(Array(gemini.utf8)))
        #expect(document.messages.map(\.role) == [.user, .assistant] && document.messages.map(\.text) == ["hi", "hello"])
        #expect(AgentTranscriptParser.parseDocument(Array("[1]".utf8)) == nil)
    }

    @Test func theStopHooksTextCompletesALaggingFile() {
        let asked = AgentTranscriptMessage(id: nil, role: .user, text: "q", timestamp: stamp("2026-11-30T10:00:00Z"))
        let end = AgentTurnEnd(text: "The whole answer.", at: stamp("2026-11-30T10:00:09Z"))
        #expect(end.completing([asked]).last?.text == "The whole answer.", "nothing written yet: added")
        #expect(end.completing([asked]).last?.timestamp == end.at)
        let half = AgentTranscriptMessage(id: "m", role: .assistant, text: "The whole", timestamp: nil)
        #expect(end.completing([asked, half]).map(\.text) == ["q", "The whole answer."], "a streamed message cut short: completed")
        let whole = AgentTranscriptMessage(id: "m", role: .assistant, text: "The whole answer.", timestamp: nil)
        #expect(end.completing([asked, whole]) == [asked, whole], "the file has it: unchanged")
        let later = AgentTranscriptMessage(id: nil, role: .user, text: "next", timestamp: stamp("2026-11-30T10:00:10Z"))
        #expect(end.completing([asked, later]) == [asked, later], "a later turn began after the hook: its text is old")
    }

    @Test func geminisAfterAgentGivesTheTurnsFinalText() throws {
        let payload = try AgentHookPayload.parse(Array(#"{"hook_event_name":"AfterAgent","prompt":"q","prompt_response":"the reply"}"#.utf8))
        #expect(payload.event == .stop && payload.lastAssistantMessage == "the reply")
    }

    @Test func theRenderedTextHasTheBaselinesSectionsAndCut() {
        let messages = [
            AgentTranscriptMessage(id: nil, role: .user, text: "q", timestamp: stamp("2026-11-29T10:00:00Z")),
            AgentTranscriptMessage(id: "a", role: .assistant, text: "one", timestamp: stamp("2026-11-30T10:00:01Z")),
            AgentTranscriptMessage(id: "b", role: .assistant, text: "two", timestamp: stamp("2026-11-30T10:00:02Z")),
        ]
        let text = AgentTranscriptRenderer.render(title: "T", messages: messages, tailChars: 0, now: stamp("2026-11-30T12:00:00Z"))
        #expect(text == "# T\n\n\n## 2026-11-29 10:00:00 · 👤 User\n\nq\n\n## 10:00:01 · 🤖 Assistant\n\none\ntwo")
        let cut = AgentTranscriptRenderer.render(title: "T", messages: messages, tailChars: 40, now: stamp("2026-11-30T12:00:00Z"))
        #expect(cut == "[...truncated, showing last 40 chars...]\n\n## 10:00:01 · 🤖 Assistant\n\none\ntwo")
    }
}
