/// A response from the daemon.
public struct HTTPResponse: Sendable {
    public let status: Int
    /// Names in lower case.
    public let headers: [String: String]
    public let body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Parses one HTTP/1.1 response from bytes fed as they arrive; no I/O, so every malformed or cut
/// short input can be tested. Bodies by `Content-Length`, `Transfer-Encoding: chunked` (undone in
/// one linear pass) or up to the end of the stream; all capped at ``maximumBodySize``.
public struct HTTPResponseParser {
    /// The largest answer accepted by default: `GET /sessions` with 10,000 sessions is about 6 MiB and a
    /// full transcript a few MiB, so 64 MiB is ample, yet small enough that a runaway answer cannot
    /// exhaust a CLI's memory.
    public static let defaultMaximumBodySize = 64 << 20
    /// The largest status line plus headers: the daemon sends a few hundred bytes.
    public static let maximumHeadSize = 64 << 10
    /// The longest chunk-size line (hex digits and extensions).
    static let maximumChunkLineSize = 1024

    public let maximumBodySize: Int
    /// Return as soon as the head is complete, leaving the rest in `body` (a WebSocket upgrade).
    public let stopAfterHead: Bool

    private enum Stage {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
        case done
    }

    private var stage = Stage.head
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already parsed; the buffer is compacted when this passes half of it, so
    /// each byte is copied a bounded number of times.
    private var cursor = 0
    /// Where the search for the end of the head resumes.
    private var headScan = 0
    private var status = 0
    private var headers: [String: String] = [:]
    private var body: [UInt8] = []

    public init(maximumBodySize: Int = defaultMaximumBodySize, stopAfterHead: Bool = false) {
        self.maximumBodySize = maximumBodySize
        self.stopAfterHead = stopAfterHead
    }

    /// Adds bytes; the response once it is complete, nil while more are needed.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws -> HTTPResponse? {
        buffer.append(contentsOf: bytes)
        guard let response = try advance() else {
            compact()
            return nil
        }
        return response
    }

    /// The stream ended: the response if its body runs to the end, else an error saying what was cut.
    public mutating func finish() throws -> HTTPResponse {
        if case .untilClose = stage {
            body.append(contentsOf: buffer[cursor...])
            try checkSize(body.count)
            stage = .done
            return HTTPResponse(status: status, headers: headers, body: body)
        }
        if case .head = stage {
            if buffer.isEmpty { throw ClientError(.truncated, "tetherd closed the connection without an answer") }
            throw ClientError(.truncated, "tetherd closed the connection before the end of the answer's headers (no blank line after them)")
        }
        throw ClientError(.truncated, "the answer from tetherd was cut short (\(body.count) bytes of body arrived)")
    }

    private mutating func advance() throws -> HTTPResponse? {
        while true {
            switch stage {
            case .head:
                guard let end = headEnd() else {
                    if buffer.count - cursor > Self.maximumHeadSize {
                        throw ClientError(.malformed, "tetherd's answer has no end of headers (CRLF CRLF) within \(Self.maximumHeadSize) bytes; it is not HTTP")
                    }
                    return nil
                }
                try parseHead(buffer[cursor..<end])
                cursor = end + 4
                if stopAfterHead {
                    stage = .done
                    return HTTPResponse(status: status, headers: headers, body: Array(buffer[cursor...]))
                }
                stage = try bodyStage()
            case .fixed(let remaining):
                let left = takeBody(remaining)
                guard left == 0 else {
                    stage = .fixed(remaining: left)
                    return nil
                }
                stage = .done
            case .chunkSize:
                guard let line = try line(limit: Self.maximumChunkLineSize, what: "a chunk size") else { return nil }
                let size = try Self.chunkSize(line)
                try checkSize(body.count + size)
                stage = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let left = takeBody(remaining)
                guard left == 0 else {
                    stage = .chunkData(remaining: left)
                    return nil
                }
                stage = .chunkEnd
            case .chunkEnd:
                guard buffer.count - cursor >= 2 else { return nil }
                guard buffer[cursor] == 13, buffer[cursor + 1] == 10 else {
                    throw ClientError(.malformed, "a chunk in tetherd's answer is longer than its size says (no CRLF after it)")
                }
                cursor += 2
                stage = .chunkSize
            case .trailers:
                guard let line = try line(limit: Self.maximumHeadSize, what: "a trailer") else { return nil }
                if line.isEmpty { stage = .done }
            case .untilClose:
                try checkSize(body.count + buffer.count - cursor)
                body.append(contentsOf: buffer[cursor...])
                cursor = buffer.count
                return nil
            case .done:
                return HTTPResponse(status: status, headers: headers, body: body)
            }
        }
    }

    /// The index of CRLF CRLF, scanning each byte once across feeds.
    private mutating func headEnd() -> Int? {
        var index = max(cursor, headScan)
        while index + 3 < buffer.count {
            if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 { return index }
            index += 1
        }
        headScan = index
        return nil
    }

    private mutating func parseHead(_ head: ArraySlice<UInt8>) throws {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]), (100...599).contains(code) else {
            throw ClientError(.malformed, "tetherd answered something that is not HTTP: \(statusLine.prefix(80))")
        }
        status = code
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else {
                throw ClientError(.malformed, "a header line in tetherd's answer has no colon: \(line.prefix(80))")
            }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmed(" \t")
        }
    }

    private func bodyStage() throws -> Stage {
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true { return .chunkSize }
        guard let text = headers["content-length"] else { return .untilClose }
        guard let length = Int(text), length >= 0 else {
            throw ClientError(.malformed, "tetherd's answer has an invalid Content-Length: \(text.prefix(40))")
        }
        try checkSize(length)
        return length == 0 ? .done : .fixed(remaining: length)
    }

    /// The next CRLF-terminated line (without the CRLF), nil until it is complete.
    /// Moves up to `remaining` body bytes from the buffer into the body; how many are still to come.
    private mutating func takeBody(_ remaining: Int) -> Int {
        let take = min(remaining, buffer.count - cursor)
        body.append(contentsOf: buffer[cursor..<cursor + take])
        cursor += take
        return remaining - take
    }

    private mutating func line(limit: Int, what: String) throws -> ArraySlice<UInt8>? {
        var index = cursor
        while index + 1 < buffer.count {
            if buffer[index] == 13, buffer[index + 1] == 10 {
                let line = buffer[cursor..<index]
                cursor = index + 2
                return line
            }
            index += 1
        }
        if buffer.count - cursor > limit {
            throw ClientError(.malformed, "\(what) line in tetherd's answer is longer than \(limit) bytes")
        }
        return nil
    }

    /// Hex digits, then optional `;extensions`.
    static func chunkSize(_ line: ArraySlice<UInt8>) throws -> Int {
        let digits = line.prefix { $0 != UInt8(ascii: ";") }
        let text = String(decoding: digits, as: UTF8.self).trimmed(" \t")
        guard !text.isEmpty, text.count <= 15, text.allSatisfy(\.isHexDigit), let size = Int(text, radix: 16) else {
            throw ClientError(.malformed, "a chunk size in tetherd's answer is not a hex number: \(String(decoding: line.prefix(40), as: UTF8.self))")
        }
        return size
    }

    private func checkSize(_ size: Int) throws {
        guard size <= maximumBodySize else {
            throw ClientError(.tooLarge, "the answer from tetherd is larger than the client's limit of \(maximumBodySize) bytes (HTTPResponseParser.maximumBodySize); ask for less (a smaller --chars, a filter)")
        }
    }

    private mutating func compact() {
        if cursor == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            headScan = 0
            cursor = 0
            return
        }
        guard cursor > 4096, cursor * 2 > buffer.count else { return }
        buffer.removeFirst(cursor)
        headScan = max(0, headScan - cursor)
        cursor = 0
    }
}

extension StringProtocol {
    fileprivate func trimmed(_ set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var view = Substring(self)
        while let first = view.unicodeScalars.first, scalars.contains(first) { view = view.dropFirst() }
        while let last = view.unicodeScalars.last, scalars.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
