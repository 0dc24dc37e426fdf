import Testing
import TetherCore
@testable import TetherRedis

/// Seeded random and mutated entries, chunks, heartbeats and payloads: every input is either read
/// or refused with a ``RedisProtocolError`` (typed throws make any other outcome a crash), and a
/// request that is read also yields a command or a refusal.
@Suite(.timeLimit(.minutes(1))) struct ProtocolFuzzTests {
    static let iterations = 1500
    static let maximumNoiseBytes = 96

    static let samples: [String] = [
        #"{"status": "success", "data": {"session_id": "3f2c", "tmux_session_name": "tc_3f2c"}}"#,
        #"{"status": "error", "error": "No handler registered for event: end_session", "code": "NO_HANDLER"}"#,
        #"{"computer_name": "MozMini", "last_seen": "2026-01-11T21:51:41.123456+00:00", "interested_in": ["sessions"]}"#,
        #"{"event": "session_updated", "data": {"session_id": "s", "computer": "M", "status": "active"}, "timestamp": "2026-01-11T21:52:03+00:00", "source_computer": "M"}"#,
        #"{"event": "session_removed", "data": {"session_id": "s"}, "source_computer": "M"}"#,
        #"{"initiator_agent": "claude", "subfolder": "x"}"#,
        "/get_session_data '' 'U' 10", "/message 'it'\\''s' \"q\\\"\" \\x", "/agent codex deep 'a b'", "/key_up 3",
        "/stop_notification s M \(Base64Text.encode("t"))", "/input_notification s M YWJ", "/cd TC WORKDIR", "'unbalanced \"",
    ]

    static let fieldNames = ["command", "timestamp", "initiator", "session_id", "title", "project_dir", "channel_metadata",
                             "auto_command", "type", "from_computer", "args", "chunk", "message_id", "payload"]

    static func noise(_ random: inout SeededGenerator) -> [UInt8] {
        (0..<Int.random(in: 0...maximumNoiseBytes, using: &random)).map { _ in
            Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random)
                : Array("{}[]\":,'\\ /0123456789sessionerrordata".utf8).randomElement(using: &random)!
        }
    }

    /// A sample with a few bytes flipped, cut, or noise spliced in.
    static func mutated(_ random: inout SeededGenerator) -> [UInt8] {
        var bytes = Array(samples.randomElement(using: &random)!.utf8)
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.removeSubrange(index...)
            default: bytes.insert(contentsOf: noise(&random).prefix(8), at: index)
            }
        }
        return bytes
    }

    static func value(_ random: inout SeededGenerator) -> [UInt8] {
        Bool.random(using: &random) ? mutated(&random) : noise(&random)
    }

    @Test(arguments: [0xF022_0001, 0xF022_0002] as [UInt64])
    func everyInputIsReadOrRefused(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var read = 0, refused = 0
        func outcome<T>(_ body: () throws(RedisProtocolError) -> T) {
            do { _ = try body(); read += 1 } catch { refused += 1; #expect(!error.message.isEmpty) }
        }
        for _ in 0..<Self.iterations {
            var pairs: [(field: String, value: [UInt8])] = []
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                pairs.append((Self.fieldNames.randomElement(using: &random)!, Self.value(&random)))
            }
            if Bool.random(using: &random) { pairs.append(("command", Self.value(&random))); pairs.append(("initiator", Array("A".utf8))) }
            let fields = StreamFields(pairs)
            outcome { () throws(RedisProtocolError) in
                if case .request(let request) = try MessageEntry(fields: fields) {
                    outcome { () throws(RedisProtocolError) in try PeerCommand(parsing: request.command) }
                    if let auto = request.autoCommand { outcome { () throws(RedisProtocolError) in try AutoCommand(parsing: auto) } }
                }
            }
            outcome { () throws(RedisProtocolError) in try ReplyEntry(fields: fields).reply() }
            let bytes = Self.value(&random)
            outcome { () throws(RedisProtocolError) in try PeerReply(chunk: bytes) }
            outcome { () throws(RedisProtocolError) in try Heartbeat(decoding: bytes) }
            outcome { () throws(RedisProtocolError) in try PeerSessionEvent(payload: bytes) }
            let text = String(decoding: bytes, as: UTF8.self)
            outcome { () throws(RedisProtocolError) in try PeerCommand(parsing: text) }
            _ = ShellWords.split(text)
        }
        // Both outcomes occur, so the run explored more than one path.
        #expect(read > Self.iterations / 10)
        #expect(refused > Self.iterations / 10)
    }
}
