import Testing
@testable import TetherTerminal

/// Seeded random streams of replies, notifications and byte noise, cut at random places: the parser
/// must not crash, must deliver every reply that follows a newline intact, and must stay bounded.
@Suite(.timeLimit(.minutes(1))) struct TmuxControlParserFuzzTests {
    static let iterations = 300
    static let maximumLineBytes = 256
    static let maximumReplyBytes = 2048

    /// A small seeded generator (SplitMix64), so a failure can be replayed from its seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Stream {
        var bytes: [UInt8] = []
        var replies: [TmuxControlReply] = []
    }

    /// Bytes that may appear in a body line: anything but a newline.
    static func bodyLine(_ random: inout SeededGenerator, time: Int64, number: UInt32, flags: Int) -> [UInt8] {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return Array("%end \(time) \(number) \(1 - flags)".utf8)  // the guard with other flags
        case 1: return Array("%end \(time) \(number &+ 1) \(flags)".utf8)
        case 2: return Array("%begin \(time) \(number) 1".utf8)
        default:
            let length = Int.random(in: 0..<(maximumLineBytes / 2), using: &random)
            return (0..<length).map { _ in
                let byte = UInt8.random(in: 0...255, using: &random)
                return byte == 0x0A ? 0x20 : byte
            }
        }
    }

    static func makeStream(seed: UInt64) -> Stream {
        var random = SeededGenerator(state: seed)
        // A notification first, as tmux starts: it settles the line ending before any noise can.
        var stream = Stream(bytes: Array("%sessions-changed\n".utf8))
        var number: UInt32 = UInt32.random(in: 0...1000, using: &random)
        for _ in 0..<Int.random(in: 1...20, using: &random) {
            switch Int.random(in: 0..<4, using: &random) {
            case 0, 1:
                number &+= 1
                let time = Int64.random(in: 1_700_000_000...1_900_000_000, using: &random)
                let flags = Int.random(in: 0...1, using: &random)
                let huge = Int.random(in: 0..<8, using: &random) == 0
                let count = huge ? maximumReplyBytes / 10 : Int.random(in: 0..<8, using: &random)
                let lines = (0..<count).map { _ in huge ? Array("0123456789".utf8) : bodyLine(&random, time: time, number: number, flags: flags) }
                let failed = Bool.random(using: &random)
                stream.bytes += Array("%begin \(time) \(number) \(flags)\n".utf8)
                for line in lines { stream.bytes += line + [0x0A] }
                stream.bytes += Array("\(failed ? "%error" : "%end") \(time) \(number) \(flags)\n".utf8)
                stream.replies.append(TmuxControlReply(
                    time: time, number: number, flags: flags,
                    lines: huge ? [] : lines.map { String(decoding: $0, as: UTF8.self) },
                    outcome: huge ? .tooLarge : failed ? .error : .success))
            case 2:
                stream.bytes += Array("%output %\(Int.random(in: 0...99, using: &random)) data\\015\n".utf8)
            default:
                // Noise, sometimes longer than a line may be, always ended by a newline.
                let length = Int.random(in: 0...(Int.random(in: 0..<4, using: &random) == 0 ? 4 * maximumLineBytes : 40), using: &random)
                stream.bytes += (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) } + [0x0A]
            }
        }
        return stream
    }

    @Test(arguments: [0x5EED_0001, 0x5EED_0002, 0x5EED_0003] as [UInt64])
    func randomStreamsCutAtRandomPlacesLoseNoReplyAndStayBounded(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        for iteration in 0..<Self.iterations {
            let streamSeed = random.next()
            let stream = Self.makeStream(seed: streamSeed)
            var parser = TmuxControlParser(maximumLineBytes: Self.maximumLineBytes, maximumReplyBytes: Self.maximumReplyBytes)
            var replies: [TmuxControlReply] = []
            var offset = 0
            while offset < stream.bytes.count {
                let end = min(stream.bytes.count, offset + Int.random(in: 1...300, using: &random))
                for event in parser.consume(stream.bytes[offset..<end]) {
                    if case .reply(let reply) = event { replies.append(reply) }
                }
                #expect(parser.bufferedBytes <= Self.maximumLineBytes)
                offset = end
            }
            #expect(replies == stream.replies, "iteration \(iteration), stream seed \(streamSeed)")
            #expect(!parser.isInsideReply && parser.bufferedBytes == 0)
            if replies != stream.replies { return }  // one replayable failure is enough
        }
    }

    @Test func pureNoiseNeverCrashesAndNeverHoldsMoreThanALine() {
        var random = SeededGenerator(state: 0xBAD_B17E5)
        var parser = TmuxControlParser(maximumLineBytes: Self.maximumLineBytes, maximumReplyBytes: Self.maximumReplyBytes)
        for _ in 0..<2000 {
            let chunk = (0..<Int.random(in: 0...512, using: &random)).map { _ in
                // Mostly guard-like bytes, so the noise reaches deep into the parser.
                Bool.random(using: &random) ? Array("%begin %end %error 1 2 0\r\n".utf8).randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            _ = parser.consume(chunk)
            #expect(parser.bufferedBytes <= Self.maximumLineBytes)
        }
    }
}
