import Testing
import TetherCore
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct HeartbeatTests {
    @Test func theHeartbeatOfProtocolMdReads() throws {
        let text = #"{"computer_name": "MozMini", "last_seen": "2026-01-11T21:51:41.123456+00:00", "interested_in": ["sessions", "preparation"]}"#
        let beat = try Heartbeat(decoding: Array(text.utf8))
        #expect(beat == Heartbeat(computerName: "MozMini", lastSeen: Timestamp(microseconds: 1_768_168_301_123_456),
                                  interestedIn: ["sessions", "preparation"]))
        #expect(beat.wantsSessions)
    }

    @Test func tetherWritesTheSameShapeWithTheDigest() throws {
        let beat = Heartbeat(computerName: "MozMini", lastSeen: Timestamp(microseconds: 1_768_168_301_123_456),
                             interestedIn: ["sessions", "preparation"], projectsDigest: "ab")
        #expect(String(decoding: try beat.encoded(), as: UTF8.self)
                == #"{"computer_name":"MozMini","last_seen":"2026-01-11T21:51:41.123456+00:00","interested_in":["sessions","preparation"],"projects_digest":"ab"}"#)
        let quiet = Heartbeat(computerName: "T", lastSeen: Timestamp(microseconds: 1_768_168_301_000_000))
        #expect(String(decoding: try quiet.encoded(), as: UTF8.self) == #"{"computer_name":"T","last_seen":"2026-01-11T21:51:41+00:00"}"#)
        #expect(try Heartbeat(decoding: try beat.encoded()) == beat)
    }

    @Test func aBadNameIsNeverWrittenNorAccepted() {
        for name in ["", "a:b", "a b", "tab\there", "nbsp\u{a0}x", String(repeating: "n", count: ComputerName.maximumBytes + 1)] {
            #expect(throws: RedisProtocolError(.invalidComputerName, field: "", "")) {
                try Heartbeat(computerName: name, lastSeen: nil).encoded()
            }
            let text = #"{"computer_name": "\#(name)"}"#
            #expect(throws: RedisProtocolError.self) { try Heartbeat(decoding: Array(text.utf8)) }
        }
    }

    @Test func peersHeartbeatsAreReadTolerantly() throws {
        let odd = #"{"computer_name": "P", "last_seen": "yesterday", "interested_in": ["sessions", 3, null], "projects_digest": 9, "x": {}}"#
        #expect(try Heartbeat(decoding: Array(odd.utf8)) == Heartbeat(computerName: "P", lastSeen: nil, interestedIn: ["sessions"]))
        for text in ["", "{", "[]", "null", #"{"last_seen": "2026-01-11T21:51:41+00:00"}"#, #"{"computer_name": 5}"#] {
            #expect(throws: RedisProtocolError.self, "\(text)") { try Heartbeat(decoding: Array(text.utf8)) }
        }
    }

    @Test func keysAreNamedAsTheProtocolNamesThem() {
        #expect(RedisKeys.heartbeat("MozMini") == "computer:MozMini:heartbeat")
        #expect(RedisKeys.computer(fromHeartbeatKey: "computer:MozMini:heartbeat") == "MozMini")
        #expect(RedisKeys.computer(fromHeartbeatKey: "computer::heartbeat") == nil)
        #expect(RedisKeys.computer(fromHeartbeatKey: "system_status:x:deploy") == nil)
        #expect(RedisKeys.reply(to: "1-0") == "output:1-0")
        #expect(RedisKeys.cursorSetting("M") == "redis_last_message_id:M")
    }

    /// FIPS 180-4 examples and the block-boundary lengths, checked against Python's hashlib.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        (String(repeating: "x", count: 55), "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"),
        (String(repeating: "x", count: 56), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"),
        (String(repeating: "x", count: 64), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"),
    ])
    func sha256MatchesTheStandardVectors(message: String, digest: String) {
        #expect(SHA256.hexDigest(Array(message.utf8)) == digest)
    }

    @Test func sha256OfAMillionAs() {
        var hasher = SHA256()
        for _ in 0..<1000 { hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: 1000)) }
        let digest: [UInt8] = hasher.finalize()
        let hex: String = digest.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        #expect(hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func theProjectsDigestSortsByCodePointAsPythonDoes() {
        let paths = ["/home/u/Épreuve", "/home/u/zeta", "/home/u/TeleClaude", "/home/u/Zeta", "/home/u/Projects"]
        // hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()
        #expect(Heartbeat.projectsDigest(of: paths) == "f46af9a19694aed9af80e400082b67d6a3c655c0bb0ac0fdcc3651b887e1be46")
    }
}
