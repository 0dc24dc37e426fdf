import Testing
import TetherClient

@Suite(.timeLimit(.minutes(1))) struct WebSocketFrameParserTests {
    /// A server frame (unmasked) with the shortest length encoding, or the one asked for.
    func frame(_ opcode: UInt8, _ payload: [UInt8], final: Bool = true, lengthBytes: Int? = nil) -> [UInt8] {
        var bytes: [UInt8] = [(final ? 0x80 : 0) | opcode]
        let size = lengthBytes ?? (payload.count < 126 ? 0 : payload.count <= 0xFFFF ? 2 : 8)
        switch size {
        case 0: bytes.append(UInt8(payload.count))
        case 2: bytes += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            bytes.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((UInt64(payload.count) >> UInt64(shift)) & 0xFF)) }
        }
        return bytes + payload
    }

    func text(_ value: String, final: Bool = true) -> [UInt8] { frame(WebSocketFrame.text, Array(value.utf8), final: final) }

    func messages(_ input: [UInt8], step: Int = .max, maximum: Int = WebSocketFrameParser.defaultMaximumFrameSize) throws -> [WebSocketMessage] {
        var parser = WebSocketMessageParser(maximumMessageSize: maximum)
        var out: [WebSocketMessage] = []
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + max(1, min(step, input.count)))
            parser.append(input[offset..<end])
            while let message = try parser.nextMessage() { out.append(message) }
            offset = end
        }
        return out
    }

    func code(_ body: () throws -> [WebSocketMessage]) -> ClientError.Code? {
        do {
            _ = try body()
            return nil
        } catch let error as ClientError {
            return error.code
        } catch {
            return .other
        }
    }

    @Test func framesOfEveryLengthEncodingParseWhateverTheReadSizes() throws {
        let big = String(repeating: "x", count: 70_000)
        let input = text("hi") + text(String(repeating: "y", count: 300)) + text(big) + frame(WebSocketFrame.text, Array("z".utf8), lengthBytes: 8)
        for step in [1, 5, 1000, .max] {
            let parsed = try messages(input, step: step)
            #expect(parsed == [.text("hi"), .text(String(repeating: "y", count: 300)), .text(big), .text("z")], "step \(step)")
        }
    }

    @Test func aTruncatedFrameWaitsForTheRest() throws {
        let whole = text("hello")
        var parser = WebSocketMessageParser()
        parser.append(whole.prefix(4))
        #expect(try parser.nextMessage() == nil)
        parser.append(whole.dropFirst(4))
        #expect(try parser.nextMessage() == .text("hello"))
        var lengthOnly = WebSocketMessageParser()
        lengthOnly.append([0x81, 127, 0, 0])
        #expect(try lengthOnly.nextMessage() == nil, "half a 64-bit length is not yet an error")
    }

    @Test func fragmentedMessagesAreJoinedAroundControlFrames() throws {
        let input = text("one ", final: false) + frame(WebSocketFrame.ping, [1, 2]) + frame(WebSocketFrame.continuation, Array("two ".utf8), final: false)
            + frame(WebSocketFrame.continuation, Array("three".utf8)) + text("next")
        #expect(try messages(input, step: 3) == [.ping([1, 2]), .text("one two three"), .text("next")])
    }

    @Test func continuationWithoutAStartAndANewMessageMidFragmentAreMalformed() {
        #expect(code { try messages(frame(WebSocketFrame.continuation, Array("lost".utf8))) } == .malformed)
        #expect(code { try messages(text("one", final: false) + text("two")) } == .malformed)
    }

    @Test func aCloseFrameCarriesItsCodeAndReason() throws {
        #expect(try messages(frame(WebSocketFrame.close, [0x03, 0xE8] + Array("bye".utf8))) == [.close(code: 1000, reason: "bye")])
        #expect(try messages(frame(WebSocketFrame.close, [])) == [.close(code: nil, reason: "")])
    }

    @Test func aMaskedServerFrameIsMalformed() {
        let masked: [UInt8] = [0x81, 0x82, 1, 2, 3, 4, UInt8(ascii: "h") ^ 1, UInt8(ascii: "i") ^ 2]
        #expect(code { try messages(masked) } == .malformed)
    }

    @Test func a64BitLengthOverTheCapOrWithItsHighBitIsRefusedFromTheHeader() {
        // Only the header: the refusal must not wait for (or allocate) the payload.
        let overCap: [UInt8] = [0x82, 127, 0, 0, 0, 0, 0x10, 0, 0, 0]
        #expect(code { try messages(overCap, maximum: 1 << 20) } == .tooLarge)
        let highBit: [UInt8] = [0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]
        #expect(code { try messages(highBit) } == .malformed)
        let maximal: [UInt8] = [0x82, 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(code { try messages(maximal) } == .tooLarge, "the largest legal length does not trap either")
        #expect(code { try messages(text(String(repeating: "a", count: 200)), maximum: 100) } == .tooLarge)
    }

    @Test func aFragmentedMessageOverTheCapIsRefused() {
        let input = text(String(repeating: "a", count: 60), final: false) + frame(WebSocketFrame.continuation, Array(repeating: 0x61, count: 60))
        #expect(code { try messages(input, maximum: 100) } == .tooLarge)
    }

    @Test func reservedBitsUnknownOpcodesAndBadControlFramesAreMalformed() {
        #expect(code { try messages([0xC1, 0x00]) } == .malformed, "RSV1 without an extension")
        #expect(code { try messages([0x83, 0x00]) } == .malformed, "opcode 3 is reserved")
        #expect(code { try messages([0x09, 0x00]) } == .malformed, "a fragmented ping")
        #expect(code { try messages(frame(WebSocketFrame.ping, Array(repeating: 0, count: 126))) } == .malformed, "a ping over 125 bytes")
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let input = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? messages(input, step: Int.random(in: 1...16, using: &generator), maximum: 4096)
        }
    }
}
