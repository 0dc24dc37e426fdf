import Testing
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct PeerCommandTests {
    func parse(_ text: String) throws -> PeerCommand { try PeerCommand(parsing: text) }

    func refusal(_ text: String) -> RedisProtocolError? {
        do { _ = try PeerCommand(parsing: text); return nil } catch { return error }
    }

    @Test func everyCommandOfTheTableParses() throws {
        #expect(try parse("/new_session") == .newSession(description: "Untitled"))
        #expect(try parse("/new_session Fix the   auth") == .newSession(description: "Fix the auth"))
        #expect(try parse("/list_sessions") == .listSessions)
        #expect(try parse("list_projects") == .listProjects)
        #expect(try parse("/list_todos") == .listTodos(projectPath: nil))
        #expect(try parse("/list_todos /home/u/My Project") == .listTodos(projectPath: "/home/u/My Project"))
        #expect(try parse("/get_computer_info") == .getComputerInfo)
        #expect(try parse("/stop_notification s1 MozMini \(Base64Text.encode("Done: ✓"))")
                == .stopNotification(sessionID: "s1", sourceComputer: "MozMini", title: "Done: ✓"))
        #expect(try parse("/stop_notification s1 MozMini") == .stopNotification(sessionID: "s1", sourceComputer: "MozMini", title: nil))
        #expect(try parse("/input_notification s1 MozMini \(Base64Text.encode("Need input"))")
                == .inputNotification(sessionID: "s1", sourceComputer: "MozMini", message: "Need input"))
        #expect(try parse("/message hello    world") == .message(text: "hello world"))
        #expect(try parse("/message 'hello    world'") == .message(text: "hello    world"))
        #expect(try parse("/cd") == .changeDirectory(.listTrusted))
        #expect(try parse("/cd TC WORKDIR") == .changeDirectory(.defaultDirectory))
        #expect(try parse("/cd /home/u/a b") == .changeDirectory(.path("/home/u/a b")))
        #expect(try parse("/agent claude slow 'fix it' --verbose")
                == .startAgent(AgentStart(agent: .claude, mode: .slow, arguments: ["fix it", "--verbose"])))
        #expect(try parse("/agent gemini") == .startAgent(AgentStart(agent: .gemini)))
        #expect(try parse("/codex deep go") == .startAgent(AgentStart(agent: .codex, mode: .deep, arguments: ["go"])))
        #expect(try parse("/claude hello") == .startAgent(AgentStart(agent: .claude, arguments: ["hello"])))
        #expect(try parse("/agent_resume") == .resumeAgent(agent: nil))
        #expect(try parse("/agent_resume codex") == .resumeAgent(agent: .codex))
        #expect(try parse("/gemini_resume") == .resumeAgent(agent: .gemini))
        #expect(try parse("/agent_restart claude") == .restartAgent(agent: .claude))
        #expect(try parse("/rename new title") == .rename(words: "new title"))
        #expect(try parse("/end_session s1") == .endSession(sessionID: "s1"))
        #expect(try parse("/session_terminated") == .sessionTerminated)
        #expect(try parse("/stop_notifications s1 caller") == .stopNotifications(sessionID: "s1", callerID: "caller"))
    }

    @Test func keysTakeTheirArguments() throws {
        for name in ["cancel", "cancel2x", "kill", "tab", "enter"] {
            #expect(try parse("/\(name)") == .key(KeyPress(KeyPress.Key(rawValue: name)!)))
        }
        #expect(try parse("/ctrl d") == .key(KeyPress(.ctrl, text: "d")))
        #expect(try parse("/escape") == .key(KeyPress(.escape)))
        #expect(try parse("/escape2x :wq now") == .key(KeyPress(.escape2x, text: ":wq now")))
        #expect(try parse("/key_up") == .key(KeyPress(.keyUp)))
        #expect(try parse("/key_left 3") == .key(KeyPress(.keyLeft, count: 3)))
        #expect(try parse("/shift_tab 2") == .key(KeyPress(.shiftTab, count: 2)))
        #expect(try parse("/backspace ''") == .key(KeyPress(.backspace)))
        #expect(refusal("/key_down x")?.code == .invalidArguments)
        #expect(refusal("/key_down 0")?.code == .invalidArguments)
        #expect(refusal("/key_down \(KeyPress.maximumCount + 1)")?.code == .invalidArguments)
        #expect(refusal("/ctrl")?.code == .invalidArguments)
    }

    @Test func sessionCommandsNeedASessionID() throws {
        #expect(try parse("/message hi").requiresSession)
        #expect(try parse("/get_session_data").requiresSession)
        #expect(try parse("/key_up").requiresSession)
        #expect(try parse("/rename x").requiresSession)
        #expect(try !parse("/new_session").requiresSession)
        #expect(try !parse("/list_sessions").requiresSession)
        #expect(try !parse("/stop_notification s1 M").requiresSession)
    }

    @Test func getSessionDataReadsOneTwoOrThreeArguments() throws {
        func range(_ text: String) throws -> SessionDataRange {
            guard case .getSessionData(let range) = try parse(text) else { throw RedisProtocolError(.invalidArguments, field: "", "") }
            return range
        }
        #expect(try range("/get_session_data") == SessionDataRange(tailCharacters: 5000))
        #expect(try range("/get_session_data 200") == SessionDataRange(tailCharacters: 200))
        #expect(try range("/get_session_data 0").isUnlimited)
        #expect(try range("/get_session_data 2026-01-11T20:00:00") == SessionDataRange(since: "2026-01-11T20:00:00"))
        #expect(try range("/get_session_data S 300") == SessionDataRange(since: "S", tailCharacters: 300))
        #expect(try range("/get_session_data S U") == SessionDataRange(since: "S", until: "U"))
        #expect(try range("/get_session_data '' '' 0") == SessionDataRange(tailCharacters: 0))
        #expect(try range("/get_session_data S '' ''") == SessionDataRange(since: "S"))
        #expect(try range("/get_session_data '' U 10") == SessionDataRange(until: "U", tailCharacters: 10))
        #expect(refusal("/get_session_data S U many")?.code == .invalidArguments)
        #expect(refusal("/get_session_data a b c d")?.code == .invalidArguments)
        // Sent, the range is always three arguments, so the receiver never guesses.
        #expect(PeerCommand.getSessionData(SessionDataRange(since: "S")).commandLine == "/get_session_data 'S' '' '5000'")
    }

    @Test func badArgumentsAreRefusedNamingTheCommand() {
        #expect(refusal("/input_notification s1 MozMini not*base64")?.code == .invalidBase64)
        #expect(refusal("/input_notification s1 MozMini YWJj")?.code == nil)
        #expect(refusal("/input_notification s1 MozMini YWJ")?.code == .invalidBase64)  // no padding
        #expect(refusal("/input_notification s1 MozMini \u{2F}w==")?.code == .invalidBase64)  // 0xFF: not UTF-8
        #expect(refusal("/input_notification s1")?.code == .invalidArguments)
        #expect(refusal("/stop_notification")?.code == .invalidArguments)
        #expect(refusal("/agent")?.code == .invalidArguments)
        #expect(refusal("/agent cursor")?.message.contains("claude, gemini or codex") == true)
        #expect(refusal("/claude deep")?.code == .invalidArguments)
        #expect(refusal("/message")?.code == .invalidArguments)
        #expect(refusal("/rename")?.code == .invalidArguments)
        #expect(refusal("   ")?.code == .emptyCommand)
    }

    @Test func unknownNamesGetTheNoHandlerEnvelope() throws {
        for name in ["exit", "create_session", "frobnicate"] {
            let command = try parse("/\(name) x")
            #expect(command == .unknown(name: name))
            let reply = try PeerReply(chunk: ReplyEnvelope.noHandler(for: command.name))
            guard case .failure(let failure) = reply else { Issue.record("not a failure"); continue }
            #expect(failure.isNoHandler)
            #expect(failure.message == "No handler registered for event: \(name)")
        }
    }

    @Test func commandsSentReadBackAsTheSameCommand() throws {
        let commands: [PeerCommand] = [
            .newSession(description: "it's a 'test'  with  spaces"), .listSessions, .listProjects, .listTodos(projectPath: "/p q"),
            .listTodos(projectPath: nil), .getComputerInfo,
            .stopNotification(sessionID: "s", sourceComputer: "M", title: "T\nline"), .stopNotification(sessionID: "s", sourceComputer: "M", title: nil),
            .inputNotification(sessionID: "s", sourceComputer: "M", message: "ü \"q\""),
            .getSessionData(SessionDataRange(since: "a", until: "b", tailCharacters: 0)), .message(text: "  two\n lines \\ 'q' "),
            .changeDirectory(.listTrusted), .changeDirectory(.defaultDirectory), .changeDirectory(.path("/a  b")),
            .startAgent(AgentStart(agent: .codex, mode: .deep, arguments: ["x y", "--z"])), .startAgent(AgentStart(agent: .claude)),
            .resumeAgent(agent: nil), .resumeAgent(agent: .gemini), .restartAgent(agent: .claude),
            .key(KeyPress(.ctrl, text: "c")), .key(KeyPress(.keyRight, count: 7)), .key(KeyPress(.escape2x, text: "a  b")),
            .key(KeyPress(.enter)), .rename(words: "x  y"), .endSession(sessionID: "s"), .endSession(sessionID: nil),
            .sessionTerminated, .stopNotifications(sessionID: "s", callerID: nil),
        ]
        for command in commands {
            #expect(try parse(command.commandLine) == command, "\(command.commandLine)")
        }
    }

    @Test func autoCommandsParseWithTheSameGrammar() throws {
        #expect(try AutoCommand(parsing: "agent claude slow") == .startAgent(AgentStart(agent: .claude, mode: .slow)))
        #expect(try AutoCommand(parsing: "/agent_resume codex") == .resumeAgent(.codex))
        #expect(try AutoCommand(parsing: "agent_then_message gemini fast 'do the thing' now")
                == .startAgentThenMessage(AgentStart(agent: .gemini, mode: .fast), message: "do the thing now"))
        let sent = AutoCommand.startAgentThenMessage(AgentStart(agent: .claude, mode: .med), message: "it's  here")
        #expect(try AutoCommand(parsing: sent.text) == sent)
        #expect(throws: RedisProtocolError(.invalidArguments, field: "", "")) { try AutoCommand(parsing: "agent_then_message claude") }
        #expect(throws: RedisProtocolError(.invalidArguments, field: "", "")) { try AutoCommand(parsing: "message hi") }
        #expect(throws: RedisProtocolError(.emptyCommand, field: "", "")) { try AutoCommand(parsing: "  ") }
    }
}
