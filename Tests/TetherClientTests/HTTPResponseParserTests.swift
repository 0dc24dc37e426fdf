import Testing
import TetherClient

@Suite(.timeLimit(.minutes(1))) struct HTTPResponseParserTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Feeds `input` in pieces of `step` bytes, then the end of the stream.
    func parse(_ input: [UInt8], step: Int = .max, maximumBodySize: Int = HTTPResponseParser.defaultMaximumBodySize) throws -> HTTPResponse {
        var parser = HTTPResponseParser(maximumBodySize: maximumBodySize)
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + max(1, min(step, input.count)))
            if let response = try parser.feed(input[offset..<end]) { return response }
            offset = end
        }
        return try parser.finish()
    }

    func code(_ body: () throws -> HTTPResponse) -> ClientError.Code? {
        do {
            _ = try body()
            return nil
        } catch let error as ClientError {
            return error.code
        } catch {
            return .other
        }
    }

    @Test func contentLengthBodiesParseWhateverTheReadSizes() throws {
        let raw = bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}")
        for step in [1, 2, 3, 7, 64, .max] {
            let response = try parse(raw, step: step)
            #expect(response.status == 200 && response.text == #"{"status":"ok"}"#, "step \(step)")
            #expect(response.headers["content-type"] == "application/json")
        }
    }

    @Test func chunkedBodiesAreJoinedWithExtensionsAndTrailers() throws {
        let raw = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n")
        for step in [1, 4, .max] {
            #expect(try parse(raw, step: step).text == "hello 0123456789", "step \(step)")
        }
    }

    @Test func aLargeChunkedBodyIsParsedInLinearTime() throws {
        // 200,000 one-byte chunks: a parser that copies the rest of the buffer per chunk would take minutes.
        var raw = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in 0..<200_000 { raw += bytes("1\r\nx\r\n") }
        raw += bytes("0\r\n\r\n")
        let started = ContinuousClock.now
        #expect(try parse(raw, step: 65536).body.count == 200_000)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aBodyWithoutLengthRunsToTheEndOfTheStream() throws {
        #expect(try parse(bytes("HTTP/1.1 204 No Content\r\n\r\n")).body.isEmpty)
        #expect(try parse(bytes("HTTP/1.1 200 OK\r\n\r\nall of it"), step: 3).text == "all of it")
    }

    @Test func aWebSocketUpgradeStopsAfterTheHeadAndKeepsTheFramesAfterIt() throws {
        var parser = HTTPResponseParser(stopAfterHead: true)
        let response = try #require(try parser.feed(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n") + [0x81, 0x02, 0x68, 0x69]))
        #expect(response.status == 101 && response.body == [0x81, 0x02, 0x68, 0x69])
    }

    @Test func aBadStatusLineIsMalformed() {
        for head in ["GARBAGE\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1\r\n\r\n"] {
            #expect(code { try parse(bytes(head)) } == .malformed, "\(head)")
        }
        #expect(code { try parse(bytes("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")) } == .malformed)
    }

    @Test func aHeadWithoutItsBlankLineIsTruncatedOrMalformed() {
        #expect(code { try parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")) } == .truncated, "the stream ended first")
        #expect(code { try parse([]) } == .truncated, "nothing at all")
        let endless = bytes("HTTP/1.1 200 OK\r\n") + Array(repeating: UInt8(ascii: "a"), count: HTTPResponseParser.maximumHeadSize + 10)
        #expect(code { try parse(endless, step: 4096) } == .malformed, "no CRLF CRLF within the head limit")
    }

    @Test func badChunkSizesAreMalformed() {
        for size in ["zz", "", "-5", "+5", "0x10", "1234567890abcdef0"] {
            let raw = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n")
            #expect(code { try parse(raw) } == .malformed, "size \(size)")
        }
        let overlong = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n")
        #expect(code { try parse(overlong) } == .malformed, "a chunk longer than its size")
        let endlessSize = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") + Array(repeating: UInt8(ascii: "1"), count: 5000)
        #expect(code { try parse(endlessSize) } == .malformed, "a size line without end")
    }

    @Test func truncatedBodiesAreTruncated() {
        #expect(code { try parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")) } == .truncated)
        #expect(code { try parse(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")) } == .truncated)
        #expect(code { try parse(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")) } == .truncated, "no last chunk")
        #expect(code { try parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: nine\r\n\r\n")) } == .malformed)
    }

    @Test func oversizedBodiesAreRefusedNamingTheLimit() throws {
        #expect(code { try parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n"), maximumBodySize: 100) } == .tooLarge,
                "refused from the header, before the body is read")
        let chunked = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n") + Array(repeating: 0x61, count: 64) + bytes("\r\n40\r\n")
        #expect(code { try parse(chunked, maximumBodySize: 100) } == .tooLarge)
        let unbounded = bytes("HTTP/1.1 200 OK\r\n\r\n") + Array(repeating: 0x61, count: 150)
        #expect(code { try parse(unbounded, step: 10, maximumBodySize: 100) } == .tooLarge)
        do {
            _ = try parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n"), maximumBodySize: 100)
        } catch let error as ClientError {
            #expect(error.description.contains("100 bytes") && error.description.contains("maximumBodySize"))
        }
        #expect(try parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n") + Array(repeating: 0x61, count: 100), maximumBodySize: 100).body.count == 100)
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2000 {
            var input = round % 2 == 0 ? bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") : []
            input += (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? parse(input, step: Int.random(in: 1...64, using: &generator), maximumBodySize: 1000)
        }
    }
}
