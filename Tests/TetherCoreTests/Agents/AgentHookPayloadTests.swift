import Testing
import TetherCore

/// Hook payloads give their event and useful fields; bad ones are refused with a clear error.
@Suite(.timeLimit(.minutes(1))) struct AgentHookPayloadTests {
    func parse(_ json: String, eventName: String? = nil) throws -> AgentHookPayload {
        try AgentHookPayload.parse(Array(json.utf8), eventName: eventName)
    }

    @Test func sessionStartGivesTheTranscriptPath() throws {
        let payload = try parse(#"{"session_id":"abc","transcript_path":"/home/u/.claude/projects/p/abc.jsonl","cwd":"/srv/p","hook_event_name":"SessionStart","source":"startup"}"#)
        #expect(payload.event == .sessionStart && payload.effect == .started)
        #expect(payload.agentSessionID == "abc" && payload.cwd == "/srv/p")
        #expect(payload.transcriptPath == "/home/u/.claude/projects/p/abc.jsonl")
        #expect(payload.prompt == nil)
    }

    @Test func stopCarriesTheFinalTextBeforeTheTranscriptHasIt() throws {
        let payload = try parse(#"{"hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Done: added the line."}"#)
        #expect(payload.event == .stop && payload.effect == .turnEnded)
        #expect(payload.lastAssistantMessage == "Done: added the line.")
    }

    @Test func askUserQuestionGivesStructuredChoices() throws {
        let payload = try parse(#"""
            {"hook_event_name":"PreToolUse","tool_name":"AskUserQuestion","tool_input":{"questions":[
              {"question":"Which database?","header":"DB","multiSelect":false,
               "options":[{"label":"SQLite","description":"one file"},{"label":"PostgreSQL","description":"a server"}]},
              {"question":"Second?","options":[{"label":"x"}]}]}}
            """#)
        #expect(payload.effect == .needsInput, "a tool call with choices opens a dialog")
        #expect(payload.toolName == "AskUserQuestion")
        #expect(payload.prompt == AgentPrompt(question: "Which database?", choices: [AgentChoice(number: 1, label: "SQLite"),
                                                                                    AgentChoice(number: 2, label: "PostgreSQL")], source: .hook))
    }

    @Test func anOrdinaryToolCallIsWork() throws {
        let payload = try parse(#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"npm test","questions":"not a list"}}"#)
        #expect(payload.effect == .working && payload.prompt == nil)
    }

    @Test func aPermissionNotificationAsksWithItsMessage() throws {
        let payload = try parse(#"{"hook_event_name":"Notification","notification_type":"permission_prompt","message":"Claude needs your permission to use Bash"}"#)
        #expect(payload.effect == .needsInput && payload.notificationType == "permission_prompt")
        #expect(payload.prompt == AgentPrompt(question: "Claude needs your permission to use Bash", choices: [], source: .hook))
    }

    @Test func codexNotify() throws {
        let payload = try parse(#"{"type":"agent-turn-complete","turn-id":"12","input-messages":["add a line"],"last-assistant-message":"Added."}"#)
        #expect(payload.event == .stop && payload.turnID == "12")
        #expect(payload.inputMessages == ["add a line"] && payload.lastAssistantMessage == "Added.")
        #expect(payload.agentSessionID == nil)
        let threaded = try parse(#"{"type":"agent-turn-complete","thread-id":"0199a-thread","turn-id":"13"}"#)
        #expect(threaded.agentSessionID == "0199a-thread", "Codex's conversation id, for codex resume <id>")
    }

    @Test func theEventNameMayComeFromTheCommandLine() throws {
        #expect(try parse(#"{"session_id":"abc"}"#, eventName: "AfterAgent").event == .stop)
        #expect(try parse(#"{"hook_event_name":"BeforeTool"}"#, eventName: "Stop").event == .preToolUse, "the payload's own name wins")
    }

    @Test func unknownFieldsAndWrongTypesAreIgnored() throws {
        let payload = try parse(#"{"hook_event_name":"PostToolUse","cwd":42,"future_field":{"a":[1,2]},"tool_response":{"ok":true}}"#)
        #expect(payload.event == .postToolUse && payload.cwd == nil)
    }

    @Test(arguments: ["", "{", "not json", "[1,2]", "\"Stop\"", #"{"hook_event_name":"Stop""#])
    func malformedPayloadsAreRefused(_ json: String) {
        let error = #expect(throws: TetherError.self) { try parse(json, eventName: "Stop") }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message.contains("not a JSON object") == true)
    }

    @Test func aPayloadWithoutAnEventIsRefused() {
        let error = #expect(throws: TetherError.self) { try parse(#"{"session_id":"abc"}"#) }
        #expect(error?.message.contains("tether hook <agent> <event>") == true)
    }

    @Test func oversizedPayloadsAreRefusedNamingTheLimit() throws {
        let filler = String(repeating: "x", count: AgentHookPayload.maximumBytes)
        let error = #expect(throws: TetherError.self) { try parse(#"{"hook_event_name":"Stop","message":"\#(filler)"}"#) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message.contains("\(AgentHookPayload.maximumBytes)-byte limit") == true)
        let fits = String(repeating: "x", count: AgentHookPayload.maximumBytes - 64)
        #expect(try parse(#"{"hook_event_name":"Stop","message":"\#(fits)"}"#).message?.count == fits.count)
    }
}
