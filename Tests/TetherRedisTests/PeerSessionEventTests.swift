import Testing
import TetherCore
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct PeerSessionEventTests {
    func event(_ text: String) throws -> PeerSessionEvent { try PeerSessionEvent(payload: Array(text.utf8)) }

    @Test func theEventOfProtocolMdReads() throws {
        let text = #"{"event": "session_updated", "data": {"session_id": "3f2c1a9b-…", "computer": "MozMini", "title": "…", "status": "active"}, "timestamp": "2026-01-11T21:52:03.004211+00:00", "source_computer": "MozMini"}"#
        let expected = SessionSummary(sessionID: "3f2c1a9b-…", title: "…", status: "active", computer: "MozMini")
        #expect(try event(text) == .updated(expected, source: "MozMini", at: Timestamp(microseconds: 1_768_168_323_004_211)))
    }

    @Test func theComputerComesFromTheSourceWhenTheSummaryLacksIt() throws {
        let text = #"{"event": "session_updated", "data": {"session_id": "s"}, "source_computer": "P"}"#
        guard case .updated(let summary, "P", nil) = try event(text) else { Issue.record("not an update"); return }
        #expect(summary.computer == "P")
    }

    @Test func removalsAndOtherEvents() throws {
        #expect(try event(#"{"event": "session_removed", "data": {"session_id": "s"}, "source_computer": "P"}"#)
                == .removed(sessionID: "s", source: "P", at: nil))
        #expect(try event(#"{"event": "session_created", "data": 1}"#) == .ignored(event: "session_created"))
        #expect(try event(#"{"event": "computer_updated"}"#) == .ignored(event: "computer_updated"))
    }

    @Test func whatTetherPushesReadsBack() throws {
        let time = Timestamp(microseconds: 1_768_168_323_004_211)
        let summary = SessionSummary(sessionID: "s1", title: "t", workingDirectory: "/w")
        let pushed = PeerSessionEvent.payload(updated: summary, source: "T", at: time)
        var withComputer = summary
        withComputer.computer = "T"
        #expect(try PeerSessionEvent(payload: pushed) == .updated(withComputer, source: "T", at: time))
        #expect(try PeerSessionEvent(payload: PeerSessionEvent.payload(updatedEncoded: withComputer.jsonBytes, source: "T", at: time))
                == .updated(withComputer, source: "T", at: time))
        let removed = PeerSessionEvent.payload(removed: "s1", source: "T", at: time)
        #expect(String(decoding: removed, as: UTF8.self)
                == #"{"event":"session_removed","data":{"session_id":"s1"},"timestamp":"2026-01-11T21:52:03.004211+00:00","source_computer":"T"}"#)
        #expect(try PeerSessionEvent(payload: removed) == .removed(sessionID: "s1", source: "T", at: time))
    }

    @Test func malformedPayloadsAreRefused() {
        for text in ["", "nope", "[]", #"{"data": {}}"#, #"{"event": "session_updated", "data": {"session_id": "s"}}"#,
                     #"{"event": "session_updated", "data": {}, "source_computer": "P"}"#,
                     #"{"event": "session_removed", "data": "s", "source_computer": "P"}"#,
                     #"{"event": "session_updated", "data": {"session_id": "s", "title": 5}, "source_computer": "P"}"#,
                     #"{"event": "session_removed", "data": {"session_id": "s"}, "source_computer": "a b"}"#] {
            #expect(throws: RedisProtocolError.self, "\(text)") { try event(text) }
        }
    }
}
