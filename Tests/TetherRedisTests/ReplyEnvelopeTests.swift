import Testing
import TetherCore
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct ReplyEnvelopeTests {
    func reply(_ text: String) throws -> PeerReply { try PeerReply(chunk: Array(text.utf8)) }

    @Test func theEnvelopesOfProtocolMdRead() throws {
        let success = try reply(#"{"status": "success", "data": {"session_id": "3f2c1a9b-…", "tmux_session_name": "tc_3f2c1a9b"}}"#)
        #expect(success == .success(.object(["session_id": .string("3f2c1a9b-…"), "tmux_session_name": .string("tc_3f2c1a9b")])))
        let noHandler = try reply(#"{"status": "error", "error": "No handler registered for event: end_session", "code": "NO_HANDLER"}"#)
        #expect(noHandler == .failure(PeerFailure(message: "No handler registered for event: end_session", code: "NO_HANDLER")))
        guard case .failure(let failure) = noHandler else { return }
        #expect(failure.isNoHandler)
    }

    @Test func aPythonChunkIsTrimmedAndExtraKeysAreIgnored() throws {
        #expect(try reply("\n  {\"status\": \"success\", \"data\": null, \"extra\": [1]}  \n") == .success(.null))
        #expect(try reply(#"{"status": "success"}"#) == .success(.null))
        #expect(try reply(#"{"status": "error", "error": "boom"}"#) == .failure(PeerFailure(message: "boom", code: nil)))
        #expect(try reply(#"{"status": "error"}"#) == .failure(PeerFailure(message: "the peer reported an error without a message", code: nil)))
        // A domain error inside a success (get_session_data) stays a success: the caller reads `data`.
        let wrapped = try reply(#"{"status": "success", "data": {"status": "error", "error": "Session not found"}}"#)
        #expect(wrapped == .success(.object(["status": .string("error"), "error": .string("Session not found")])))
    }

    @Test func pythonsAsciiEscapesDecode() throws {
        // json.dumps escapes non-ASCII by default, emoji as a surrogate pair.
        let chunk = #"{"status": "success", "data": "\u00e9t\u00e9 \ud83c\udf89 \n"}"#
        #expect(try reply(chunk) == .success(.string("été 🎉 \n")))
    }

    @Test func replyDataDecodesIntoTheWireTypes() throws {
        let info = try reply(#"{"status": "success", "data": {"user":"maurice","role":"development","host":"mini.local","system_stats":{"memory":{"total_gb":64.0,"available_gb":31.2,"percent_used":51.3},"disk":{"total_gb":926.4,"free_gb":410.0,"percent_used":55.7},"cpu":{"percent_used":12.5}}}}"#)
        let report = try info.data(as: ComputerReport.self)
        #expect(report.user == "maurice")
        #expect(report.systemStats.diskFreeGB == 410.0)
        #expect(report.systemStats.cpuPercentUsed == 12.5)
        let sessions = try reply(#"{"status":"success","data":[{"session_id":"3f2c","title":"t","status":"active","computer":"MozMini"}]}"#)
        #expect(try sessions.data(as: [SessionSummary].self).map(\.sessionID) == ["3f2c"])
        #expect(throws: PeerFailure.self) { try reply(#"{"status":"error","error":"x"}"#).data(as: [SessionSummary].self) }
    }

    @Test func whatTetherWritesReadsBack() throws {
        #expect(String(decoding: ReplyEnvelope.success(), as: UTF8.self) == #"{"status":"success","data":null}"#)
        #expect(String(decoding: ReplyEnvelope.failure("bad", code: "X"), as: UTF8.self) == #"{"status":"error","error":"bad","code":"X"}"#)
        #expect(String(decoding: ReplyEnvelope.failure("bad"), as: UTF8.self) == #"{"status":"error","error":"bad"}"#)
        let summary = SessionSummary(sessionID: "s1", computer: "T")
        #expect(try PeerReply(chunk: ReplyEnvelope.success([summary])).data(as: [SessionSummary].self) == [summary])
        #expect(try PeerReply(chunk: ReplyEnvelope.success(encodedData: summary.jsonBytes)).data(as: SessionSummary.self) == summary)
        let refused = ReplyEnvelope.failure(RedisProtocolError(.missingField, field: "command", "A request entry needs 'command'."))
        #expect(try PeerReply(chunk: refused) == .failure(PeerFailure(message: "A request entry needs 'command'.", code: "INVALID_REQUEST")))
    }

    @Test func chunksThatAreNoEnvelopeAreRefused() {
        for text in ["", "not json", "[1,2]", #"{"status": "maybe"}"#, #"{"data": 1}"#, "\"success\""] {
            #expect(throws: RedisProtocolError.self, "\(text)") { try reply(text) }
        }
        #expect(throws: RedisProtocolError(.invalidUTF8, field: "", "")) { try PeerReply(chunk: [0x7B, 0xFF, 0x7D]) }
    }
}
