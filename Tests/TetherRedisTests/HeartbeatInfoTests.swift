import Testing
import TetherCore
@testable import TetherRedis

/// `tether_info`: a Tether daemon's details ride on its heartbeat, so its peers need no
/// `get_computer_info` each; a Python peer's heartbeat has none and parses as before.
@Suite(.timeLimit(.minutes(1))) struct HeartbeatInfoTests {
    @Test func theDetailsRoundTripAndBecomeTheComputersInfo() throws {
        let details = try JSONValue(parsing: Array(#"{"user":"u","role":"dev","host":"h.local","system_stats":{"memory":{"total_gb":64.0,"available_gb":31.2,"percent_used":51.3},"disk":{"total_gb":926.4,"free_gb":410.0,"percent_used":55.7},"cpu":{"percent_used":12.5}}}"#.utf8))
        let beat = Heartbeat(computerName: "studio", lastSeen: Timestamp(microseconds: 1_768_168_301_000_000), info: details)
        let text = String(decoding: try beat.encoded(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"computer_name":"studio","last_seen":"2026-01-11T21:51:41+00:00","tether_info":{"#), "\(text)")
        let read = try Heartbeat(decoding: try beat.encoded())
        #expect(read == beat)
        let details2 = try #require(read.info)
        let info = try #require(RemoteListingParser.computer(details2, name: "studio"))
        #expect(info.user == "u" && info.role == "dev" && info.host == "h.local")
        #expect(info.systemStats?.cpuPercentUsed == 12.5)
    }

    @Test func aDetailThatIsNotAnObjectIsIgnored() throws {
        let read = try Heartbeat(decoding: Array(#"{"computer_name":"studio","tether_info":"nonsense"}"#.utf8))
        #expect(read.info == nil)
        #expect(read.computerName == "studio")
    }
}
