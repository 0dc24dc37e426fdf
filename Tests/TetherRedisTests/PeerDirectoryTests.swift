import Synchronization
import TetherCore
@testable import TetherRedis
import Testing

/// The directory's bookkeeping and the heartbeat's exact commands, without a server.
@Suite(.timeLimit(.minutes(1))) struct PeerDirectoryTests {
    /// Answers every command with OK and remembers it.
    final class RecordingSender: RedisCommandSending {
        let sent = Mutex<[[String]]>([])
        func send(_ arguments: [String]) async throws(RedisError) -> RedisValue {
            sent.withLock { $0.append(arguments) }
            return .status("OK")
        }
    }

    @Test func aRoundReplacesThePeersAndForgetsSweptPeersWhoseKeyIsGone() {
        let directory = PeerDirectory()
        #expect(directory.followed(indexed: ["beta"], swept: ["py1", "py2"]) == ["beta", "py1", "py2"])
        let beta = RedisPeer(name: "beta", lastSeen: nil, interestedIn: ["sessions"], isTether: true)
        let py1 = RedisPeer(name: "py1", lastSeen: nil, interestedIn: [], isTether: false)
        directory.finishRound(seen: [beta, py1], gone: ["py2"], commands: 6)
        #expect(directory.peers == [beta, py1])
        #expect(directory.interested(in: "sessions") == [beta])
        #expect(directory.counters.rounds == 1 && directory.counters.lastRoundCommands == 6)
        // py2 is no longer followed; py1 still is, without a new sweep.
        #expect(directory.followed(indexed: [], swept: []) == ["py1"])
    }

    @Test func aBadHeartbeatIsReportedOncePerStreak() {
        let directory = PeerDirectory()
        #expect(directory.reportBad("broken"))
        #expect(!directory.reportBad("broken"))
        let fixed = RedisPeer(name: "broken", lastSeen: nil, interestedIn: [], isTether: false)
        directory.finishRound(seen: [fixed], gone: [], commands: 1)
        #expect(directory.reportBad("broken"))
        #expect(directory.counters.skippedHeartbeats == 3)
    }

    @Test func theHeartbeatWritesTheKeyTheIndexAndPrunesIt() async throws {
        let sender = RecordingSender()
        let interest = SubscriptionInterest()
        interest.update(subscriber: 1, topics: ["sessions"])
        let settings = RedisPeersSettings(computerName: "alpha", heartbeatTimeToLive: .milliseconds(1500))
        let writer = HeartbeatWriter(sender: sender, settings: settings, interest: interest)
        try await writer.beat(at: Timestamp(microseconds: 1_768_168_301_500_000))
        let sent = sender.sent.withLock { $0 }
        #expect(sent.count == HeartbeatWriter.commandsPerBeat)
        #expect(sent[0] == ["SETEX", "computer:alpha:heartbeat", "2",
                            #"{"computer_name":"alpha","last_seen":"2026-01-11T21:51:41.500000+00:00","interested_in":["sessions"]}"#])
        #expect(sent[1] == ["ZADD", "tether:computers", "1768168301.5", "alpha"])
        #expect(sent[2] == ["ZREMRANGEBYSCORE", "tether:computers", "-inf", "(1768168300.0"])
        try await writer.leave()
        #expect(sender.sent.withLock { Array($0.suffix(2)) } == [["DEL", "computer:alpha:heartbeat"], ["ZREM", "tether:computers", "alpha"]])
    }
}
