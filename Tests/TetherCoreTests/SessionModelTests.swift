import Foundation
import Testing
import TetherCore

@Suite(.timeLimit(.minutes(1))) struct SessionModelTests {
    static func record(_ id: String = "3f2c1a9b-0000-4000-8000-000000000001", computer: String = "MozMini") -> SessionRecord {
        var record = SessionRecord(sessionID: id, computerName: computer, tmuxSessionName: SessionRecord.tmuxName(for: id),
                                   createdAt: Timestamp(microseconds: 1_768_165_262_500_000))
        record.title = "TeleClaude: $MozMini - \"quoted\"\nline"
        record.originAdapter = "rest"
        record.workingDirectory = "/home/u/TeleClaude"
        record.status = .active
        return record
    }

    @Test func summaryHasTheWireFieldsInOrderAndParses() throws {
        let session = Session(Self.record())
        let bytes = session.summaryJSON
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["session_id"] as? String == "3f2c1a9b-0000-4000-8000-000000000001")
        #expect(object["tmux_session_name"] as? String == "tc_3f2c1a9b")
        #expect(object["thinking_mode"] as? String == "slow", "slow when unset, as the Python daemon sends")
        #expect(object["status"] as? String == "active")
        #expect(object["title"] as? String == "TeleClaude: $MozMini - \"quoted\"\nline")
        #expect(object["created_at"] as? String == "2026-01-11T21:01:02.500000+00:00")
        #expect(object["computer"] as? String == "MozMini")
        #expect(object.keys.count == 18)
        #expect(object["memory_bytes"] is NSNull && object["exit_reason"] is NSNull)
        #expect(object["initiator_session_id"] is NSNull)
    }

    @Test func encodesOncePerVersionAndANewVersionAfresh() {
        let first = Session(Self.record())
        let bytes = first.summaryJSON
        #expect(first.summaryJSON == bytes)
        // The cached buffer is shared, not rebuilt: same storage.
        #expect(first.summaryJSON.withUnsafeBufferPointer { $0.baseAddress } == bytes.withUnsafeBufferPointer { $0.baseAddress })
        let second = first.updating { $0.status = .idle }
        #expect(second.version == first.version + 1)
        #expect(String(decoding: second.summaryJSON, as: UTF8.self).contains("\"status\":\"idle\""))
        #expect(String(decoding: first.summaryJSON, as: UTF8.self).contains("\"status\":\"active\""), "the old version keeps its bytes")
    }

    @Test func timestampsAreWrittenAsPythonsIsoformat() {
        #expect(Timestamp(microseconds: 1_768_168_301_000_000).iso8601 == "2026-01-11T21:51:41+00:00")
        #expect(Timestamp(microseconds: 1_768_168_301_123_456).iso8601 == "2026-01-11T21:51:41.123456+00:00")
        #expect(Timestamp(microseconds: 1_768_168_301_000_001).iso8601 == "2026-01-11T21:51:41.000001+00:00")
        #expect(Timestamp(iso8601: "2026-01-11T21:51:41+00:00")?.microseconds == 1_768_168_301_000_000)
    }

    @Test func jsonEscapesControlCharacters() throws {
        var json = JSONWriter()
        json.beginObject()
        json.member("text", "tab\there \u{1B}[A \\ \u{7F} é")
        json.member("n", 3)
        json.member("x", 51.3)
        json.endObject()
        let text = String(decoding: json.bytes, as: UTF8.self)
        #expect(text == #"{"text":"tab\there \u001b[A \\ \u007f é","n":3,"x":51.3}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        #expect(parsed["text"] as? String == "tab\there \u{1B}[A \\ \u{7F} é")
    }

    @Test func timestampsRoundTripInPythonAndSQLiteForms() throws {
        let stamp = Timestamp(microseconds: 1_768_168_323_004_211)
        #expect(stamp.iso8601 == "2026-01-11T21:52:03.004211+00:00")
        #expect(Timestamp(iso8601: stamp.iso8601) == stamp)
        #expect(Timestamp(iso8601: "2026-01-11 21:52:03") == Timestamp(microseconds: 1_768_168_323_000_000))
        #expect(Timestamp(iso8601: "2026-01-11T20:01:02.5+00:00") == Timestamp(microseconds: 1_768_161_662_500_000))
        #expect(Timestamp(iso8601: "2026-01-11T23:52:03+02:00") == Timestamp(microseconds: 1_768_168_323_000_000))
        #expect(Timestamp(iso8601: "2026-01-11T21:52:03Z") == Timestamp(microseconds: 1_768_168_323_000_000))
        #expect(Timestamp(iso8601: "yesterday") == nil)
        #expect(Timestamp(iso8601: "2026-13-01T00:00:00") == nil)
    }

    @Test func statusMachineAllowsOnlyForwardMoves() {
        #expect(SessionStatus.creating.canMove(to: .active))
        #expect(SessionStatus.active.canMove(to: .idle) && SessionStatus.idle.canMove(to: .active))
        #expect(SessionStatus.exited.canMove(to: .closed))
        #expect(!SessionStatus.closed.canMove(to: .active))
        #expect(!SessionStatus.exited.canMove(to: .active))
        #expect(SessionStatus.allCases.filter(\.isLive) == [.creating, .active, .idle])
    }
}
