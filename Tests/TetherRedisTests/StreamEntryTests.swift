import Testing
import TetherCore
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct StreamEntryTests {
    func entry(_ text: [String: String]) throws -> MessageEntry { try MessageEntry(fields: StreamFields(text: text)) }

    func refusal(_ fields: StreamFields) -> RedisProtocolError? {
        do { _ = try MessageEntry(fields: fields); return nil } catch { return error }
    }

    @Test func aRequestAsAPythonPeerWritesItReadsWithEveryField() throws {
        let fields: [(field: String, value: [UInt8])] = [
            ("command", Array("/new_session".utf8)), ("timestamp", Array("1768168301.4567342".utf8)),
            ("initiator", Array("MozMini".utf8)), ("session_id", []), ("title", Array("Remote".utf8)),
            ("project_dir", Array("~/Projects".utf8)),
            ("channel_metadata", Array(#"{"initiator_agent": "claude", "initiator_mode": "slow", "subfolder": "api", "working_slug": null, "initiator_session_id": "3f2c", "other": 5}"#.utf8)),
            ("auto_command", Array("agent claude slow".utf8)),
        ]
        guard case .request(let request) = try MessageEntry(fields: StreamFields(fields)) else { Issue.record("not a request"); return }
        #expect(request.command == "/new_session")
        #expect(request.timestamp == "1768168301.4567342")
        #expect(request.initiator == "MozMini")
        #expect(request.sessionID == nil)  // empty counts as absent
        #expect(request.projectDirectory == "~/Projects")
        #expect(request.channelMetadata == ChannelMetadata(initiatorAgent: "claude", initiatorMode: "slow", subfolder: "api",
                                                           initiatorSessionID: "3f2c"))
        #expect(try AutoCommand(parsing: try #require(request.autoCommand)) == .startAgent(AgentStart(agent: .claude, mode: .slow)))
        #expect(request.words == CommandWords(name: "new_session"))
    }

    @Test func aRequestIsWrittenInThePythonDaemonsFieldOrder() throws {
        let request = PeerRequest(command: "/message 'hi'", timestamp: "1.5", initiator: "A", sessionID: "s1", projectDirectory: "",
                                  channelMetadata: ChannelMetadata(subfolder: "x"), autoCommand: nil)
        #expect(request.fields.map(\.field) == ["command", "timestamp", "initiator", "session_id", "channel_metadata"])
        #expect(request.fields.last.map { String(decoding: $0.value, as: UTF8.self) } == #"{"subfolder":"x"}"#)
        let back = try PeerRequest(fields: StreamFields(request.fields))
        #expect(back == PeerRequest(command: "/message 'hi'", timestamp: "1.5", initiator: "A", sessionID: "s1",
                                    channelMetadata: ChannelMetadata(subfolder: "x")))
    }

    @Test func aTypedRequestIsSentQuoted() throws {
        let request = PeerRequest(.message(text: "a  'b'"), from: "T", sessionID: "s1", at: Timestamp(microseconds: 1_500_000),
                                  autoCommand: .resumeAgent(.claude))
        #expect(request.command == #"/message 'a  '\''b'\'''"#)
        #expect(request.timestamp == "1.5")
        let back = try PeerRequest(fields: StreamFields(request.fields))
        #expect(try PeerCommand(parsing: back.command) == .message(text: "a  'b'"))
        #expect(try AutoCommand(parsing: try #require(back.autoCommand)) == .resumeAgent(.claude))
    }

    @Test func systemEntriesAreTold() throws {
        let system = try entry(["type": "system", "command": "deploy", "timestamp": "1.0", "from_computer": "MozMini",
                                "args": #"{"verify_health": true}"#])
        #expect(system == .system(SystemEntry(command: "deploy", timestamp: "1.0", fromComputer: "MozMini",
                                              arguments: ["verify_health": .bool(true)])))
        let written = SystemEntry(command: "health_check", fromComputer: "A")
        #expect(written.fields.map(\.field) == ["type", "command", "from_computer"])
        #expect(try MessageEntry(fields: StreamFields(written.fields)) == .system(written))
    }

    @Test func malformedEntriesAreRefusedNamingTheField() {
        let missing = refusal(StreamFields(text: ["initiator": "A"]))
        #expect(missing?.code == .missingField)
        #expect(missing?.field == "command")
        #expect(refusal(StreamFields(text: ["command": "/list_sessions"]))?.field == "initiator")
        #expect(refusal(StreamFields(text: ["command": "", "initiator": "A"]))?.code == .missingField)
        #expect(refusal(StreamFields(text: ["command": "/x", "initiator": "a:b"]))?.code == .invalidComputerName)
        let badUTF8 = refusal(StreamFields(["command": [0x2F, 0xC3, 0x28], "initiator": Array("A".utf8)]))
        #expect(badUTF8?.code == .invalidUTF8)
        #expect(badUTF8?.message.contains("'command'") == true)
        #expect(refusal(StreamFields(text: ["command": "/x", "initiator": "A", "channel_metadata": "{nope"]))?.code == .invalidJSON)
        #expect(refusal(StreamFields(text: ["command": "/x", "initiator": "A", "channel_metadata": "[1]"]))?.code == .invalidJSON)
        #expect(refusal(StreamFields(text: ["command": "/x", "initiator": "A", "channel_metadata": #"{"subfolder": 3}"#]))?.code == .invalidJSON)
        #expect(refusal(StreamFields(text: ["type": "system", "command": "deploy", "args": "7"]))?.field == "args")
        let long = String(repeating: "x", count: StreamEntryLimits.maximumTextBytes + 1)
        let tooLong = refusal(StreamFields(text: ["command": "/x", "initiator": "A", "session_id": long]))
        #expect(tooLong?.code == .fieldTooLong)
        #expect(tooLong?.message.contains("session_id") == true)
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(refusal(StreamFields(text: ["type": "system", "command": "x", "args": deep]))?.code == .invalidJSON)
        let bigCommand = "/message " + String(repeating: "y", count: StreamEntryLimits.maximumCommandBytes)
        #expect(refusal(StreamFields(text: ["command": bigCommand, "initiator": "A"]))?.code == .fieldTooLong)
    }

    @Test func theReplyEntryCarriesTheEnvelopeTheStampTheIdAndTheResponder() throws {
        let time = Timestamp(microseconds: 1_768_168_301_456_734)
        let reply = ReplyEntry(envelope: ReplyEnvelope.success(), answering: "1768168301123-0", from: "Tether1", at: time)
        #expect(reply.fields.map(\.field) == ["chunk", "timestamp", "message_id", "from_computer"])
        #expect(reply.timestamp == "1768168301.456734")
        let back = try ReplyEntry(fields: StreamFields(reply.fields))
        #expect(back == reply)
        #expect(try back.reply() == .success(.null))
        #expect(throws: RedisProtocolError(.missingField, field: "", "")) { try ReplyEntry(fields: StreamFields(text: ["timestamp": "1"])) }
    }

    @Test func pythonTimeForms() {
        #expect(Timestamp(microseconds: 1_768_168_301_000_000).iso8601 == "2026-01-11T21:51:41+00:00")
        #expect(Timestamp(microseconds: 1_768_168_301_123_456).iso8601 == "2026-01-11T21:51:41.123456+00:00")
        #expect(Timestamp(microseconds: 1_768_168_301_000_000).pythonEpochText == "1768168301.0")
        #expect(Timestamp(microseconds: 1_768_168_301_500_000).pythonEpochText == "1768168301.5")
    }
}
