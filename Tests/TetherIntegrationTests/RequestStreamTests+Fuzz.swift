import Foundation
import TetherCore
import TetherRedis
import Testing

extension RequestStreamTests {
    /// SplitMix64: a fixed seed gives the same run every time.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return value ^ (value >> 31)
        }
    }

    /// One malformed entry and whether a requester would get a reply to it.
    static func malformedEntry(_ kind: Int, using random: inout SeededGenerator) -> (fields: [(String, [UInt8])], answered: Bool) {
        func text(_ value: String) -> [UInt8] { Array(value.utf8) }
        let garbage = (0..<Int.random(in: 1...24, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let base: [(String, [UInt8])] = [("timestamp", text("1768168301.1")), ("initiator", text("peer"))]
        switch kind {
        case 0: return (base, true)  // no command
        case 1: return ([("command", text("/list_sessions"))], true)  // no initiator
        case 2: return ([("command", text("/new_session x"))] + base + [("channel_metadata", text("{not json"))], true)
        case 3: return ([("command", text("/input_notification s1 peer %%%notbase64"))] + base, true)
        case 4: return ([("command", text("/no_such_\(UInt16.random(in: 0...999, using: &random))"))] + base, true)
        case 5: return ([("command", text("/message 'unbalanced \"quotes")), ("session_id", text("s1"))] + base, true)
        case 6: return ([("command", [0x2F, 0xFF, 0xFE] + garbage)] + base, true)  // not UTF-8
        case 7: return ([("command", text("   \t "))] + base, false)  // no words: never answered
        case 8: return ([("type", text("system")), ("command", text("deploy")), ("args", garbage)], false)
        case 9: return ([("command", text("/get_session_data a b 1 2")), ("session_id", text("s1"))] + base, true)
        case 10: return ([("command", text("/list_projects")), ("initiator", text("bad:name"))], true)
        default: return ([("junk", garbage)], true)
        }
    }

    @Test func malformedEntriesAreAnsweredOrSkippedAndTheReaderKeepsServing() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let commands = RecordingCommands(computer: computer)
        var random = SeededGenerator(state: 0x7E7E_4E52)
        try await withRequestReader(server, settings: InMemorySettingsStore(), commands: commands) { reader in
            #expect(await eventually { reader.counts.cursor != nil })
            var sent: [(id: String, answered: Bool, kind: Int)] = []
            for _ in 0..<60 {
                let kind = Int.random(in: 0...11, using: &random)
                let entry = Self.malformedEntry(kind, using: &random)
                sent.append((try await peer.sendRaw(entry.fields, to: computer), entry.answered, kind))
            }
            for entry in sent where entry.answered {
                let reply = try await peer.reply(entry.id)
                #expect(reply?["status"] != nil, "kind \(entry.kind) got no reply")
            }
            let sentinel = try await peer.reply(try await peer.send("/list_sessions", to: computer))
            #expect(sentinel?["status"] as? String == "success")
            for entry in sent where !entry.answered {
                #expect(try await !peer.hasReply(entry.id), "kind \(entry.kind) was answered")
            }
            #expect(reader.counts.rejected > 0)
        }
        await peer.link.close()
    }
}
