import Testing
import TetherCore
@testable import TetherRedis

/// The gateway's pure parts: API key names to §3 key commands and back, peers' listings, timings.
@Suite(.timeLimit(.minutes(1))) struct GatewayMappingTests {
    /// What `RequestHandler.pressKey` makes of a key command on the host, as (API key, count).
    static func hostPresses(_ press: KeyPress) -> (String, Int) {
        switch press.key {
        case .cancel2x: ("cancel", 2)
        case .escape2x: ("escape", 2)
        case .ctrl: ("ctrl_\(press.text ?? "")", 1)
        default: (press.key.rawValue, press.count)
        }
    }

    @Test(arguments: ["enter", "escape", "tab", "shift_tab", "backspace", "key_up", "key_down", "key_left", "key_right",
                      "cancel", "kill", "ctrl_c", "ctrl_d"], [1, 2, 3])
    func aKeyArrivesOnTheHostAsTheSameKeyAndCount(key: String, count: Int) throws {
        let presses = try #require(RemoteKeyMapper.commands(for: key, count: count))
        var total = 0
        for press in presses {
            // Through the wire: the command line the requester sends parses back to the same press.
            let parsed = try PeerCommand(parsing: PeerCommand.key(press).commandLine)
            #expect(parsed == .key(press))
            let (name, times) = Self.hostPresses(press)
            #expect(name == key)
            total += times
        }
        #expect(total == count)
    }

    @Test func aKeyWithoutACommandIsRefused() {
        #expect(RemoteKeyMapper.commands(for: "cancel2x", count: 1) == nil)
        #expect(RemoteKeyMapper.commands(for: "ctrl", count: 1) == nil)
        #expect(RemoteKeyMapper.commands(for: "ctrl_", count: 1) == nil)
        #expect(RemoteKeyMapper.commands(for: "hyper", count: 1) == nil)
    }

    @Test func aPythonProjectListingKeepsTheEntriesWithAPath() throws {
        let data = try JSONValue(parsing: Array("""
            [{"name": "teleclaude", "desc": "TeleClaude folder"}, {"name": "web", "desc": "the site", "path": "/srv/web"}]
            """.utf8))
        #expect(RemoteListingParser.projects(data) == [Project(name: "web", description: "the site", path: "/srv/web")])
    }

    @Test func aSessionListingIsTheHostsOwnSessionsStampedByTheReply() throws {
        let data = try JSONValue(parsing: Array("""
            [{"session_id": "a1", "title": "mine", "status": "idle", "created_at": "2026-01-11T21:52:03.004211+00:00"},
             {"session_id": "b2", "computer": "elsewhere"},
             {"session_id": "c3", "computer": "host", "status": "something-new"}]
            """.utf8))
        let stamp = Timestamp(secondsSince1970: 1_768_168_302.5)
        let sessions = RemoteListingParser.sessions(data, host: "host", stamp: stamp, now: Timestamp(microseconds: 0))
        #expect(sessions.map(\.id) == ["a1", "c3"])
        #expect(sessions.map(\.computer) == ["host", "host"])
        #expect(sessions.map(\.status) == [.idle, .active])
        #expect(sessions.first?.hostStamp == stamp)
        #expect(sessions.first?.record.title == "mine")
    }

    @Test func computerInfoNeedsAUser() throws {
        let info = try JSONValue(parsing: Array("""
            {"user": "maurice", "role": "development", "host": "mini.local", "system_stats": {"memory": {"total_gb": 64.0, "available_gb": 31.2, "percent_used": 51.3}, "disk": {"total_gb": 926.4, "free_gb": 410.0, "percent_used": 55.7}, "cpu": {"percent_used": 12.5}}}
            """.utf8))
        let parsed = try #require(RemoteListingParser.computer(info, name: "mini"))
        #expect(parsed.user == "maurice" && parsed.host == "mini.local" && !parsed.isLocal)
        #expect(parsed.systemStats?.cpuPercentUsed == 12.5)
        #expect(RemoteListingParser.computer(.object([:]), name: "mini") == nil)
    }

    @Test func timingsFillCumulativeBuckets() {
        var timings = RequestTimings()
        timings.record(.microseconds(300))
        timings.record(.milliseconds(3))
        timings.record(.seconds(9))
        timings.record(failure: .timeout)
        #expect(timings.count == 3)
        #expect(timings.buckets.first == 1)
        #expect(timings.buckets[RequestTimings.bucketBounds.firstIndex(of: 0.005)!] == 2)
        #expect(timings.buckets.last == 2)
        #expect(timings.failures == ["timeout": 1])
        #expect(abs(timings.sum - 9.0033) < 1e-9)
    }

    @Test func deadlinesFollowTheProtocol() {
        #expect(RequestDeadlines.deadline(for: .getComputerInfo) == .seconds(3))
        #expect(RequestDeadlines.deadline(for: .stopNotifications(sessionID: "s", callerID: nil)) == .seconds(3))
        #expect(RequestDeadlines.deadline(for: .newSession(description: "x")) == .seconds(5))
        #expect(RequestDeadlines.deadline(for: .endSession(sessionID: "s")) == .seconds(5))
        #expect(RequestDeadlines.deadline(for: .message(text: "x")) == .seconds(5))
    }
}
